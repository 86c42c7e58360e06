"""Driver modules imported on first use, so loading a config does not import every driver.

``psycopg = lazy_module("psycopg")`` binds a stand-in whose first attribute access imports the
real module; ``lazy_module("redis", "asyncio").asyncio`` also imports the ``redis.asyncio``
submodule. Modules keep real imports under ``TYPE_CHECKING`` for mypy. Attributes are cached on
the stand-in, so a probe's hot path pays the import once and a plain attribute read afterwards.

A first use inside a timed check would count the import (hundreds of milliseconds, with the
event loop blocked for every other check) as the check's latency, so ``warm(namespace)``
imports every stand-in of a module, with the submodules it declared, ahead of time;
``Probe.prepare()`` calls it before the clock of the first check starts.
"""

from __future__ import annotations

import importlib
import types
from typing import Any


class _LazyModule(types.ModuleType):
    def __init__(self, name: str, submodules: tuple[str, ...] = ()) -> None:
        super().__init__(name)
        self.__dict__["_warden_submodules"] = submodules

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        module = importlib.import_module(self.__name__)
        try:
            value = getattr(module, attr)
        except AttributeError:
            value = importlib.import_module(f"{self.__name__}.{attr}")
        if isinstance(value, types.ModuleType):
            value = _LazyModule(value.__name__) if value.__name__ != self.__name__ else value
        setattr(self, attr, value)
        return value


def lazy_module(name: str, *submodules: str) -> Any:
    """A stand-in for module ``name`` that imports it when first used; ``warm`` also imports
    ``name.<submodule>`` for each of ``submodules``."""
    return _LazyModule(name, submodules)


def warm(namespace: types.ModuleType) -> list[str]:
    """Import every lazy module bound in ``namespace`` (and its declared submodules) now;
    returns the module names imported or already there."""
    names = []
    for value in list(vars(namespace).values()):
        if not isinstance(value, _LazyModule):
            continue
        importlib.import_module(value.__name__)
        names.append(value.__name__)
        for sub in value.__dict__.get("_warden_submodules", ()):
            importlib.import_module(f"{value.__name__}.{sub}")
            names.append(f"{value.__name__}.{sub}")
    return names
