"""Driver modules imported on first use, so loading a config does not import every driver.

``psycopg = lazy_module("psycopg")`` binds a stand-in whose first attribute access imports the
real module; ``lazy_module("redis").asyncio`` also imports the ``redis.asyncio`` submodule.
Modules keep real imports under ``TYPE_CHECKING`` for mypy. Attributes are cached on the
stand-in, so a probe's hot path pays the import once and a plain attribute read afterwards.
"""

from __future__ import annotations

import importlib
import types
from typing import Any


class _LazyModule(types.ModuleType):
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


def lazy_module(name: str) -> Any:
    """A stand-in for module ``name`` that imports it when first used."""
    return _LazyModule(name)
