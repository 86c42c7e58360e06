"""A typed registry of plugins keyed by their ``type:`` string.

Probes, collectors, audit checks, backup sources and notifiers each keep one ``Registry``;
a plugin module registers its class with ``@registry.register`` and ``load_package`` imports
every module of a plugin folder so nothing has to be listed by hand.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from typing import Generic, Protocol, TypeVar

from warden.errors import PluginError


class Typed(Protocol):
    type: str


T = TypeVar("T", bound=Typed)


class Registry(Generic[T]):
    """Maps ``type`` strings to plugin classes; refuses duplicates."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, item: T) -> T:
        if item.type in self._items and self._items[item.type] is not item:
            raise PluginError(f"{self.kind} type {item.type!r} is registered twice")
        self._items[item.type] = item
        return item

    def get(self, type_: str) -> T:
        try:
            return self._items[type_]
        except KeyError:
            known = ", ".join(sorted(self._items)) or "none"
            raise PluginError(f"unknown {self.kind} type {type_!r} (known: {known})") from None

    def __contains__(self, type_: object) -> bool:
        return type_ in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._items))

    def items(self) -> list[tuple[str, T]]:
        return sorted(self._items.items())


def load_package(
    package: str, skip: Callable[[str], bool] = lambda name: name.startswith("_")
) -> list[str]:
    """Import every module of ``package`` (not starting with ``_``) so each registers itself."""
    pkg = importlib.import_module(package)
    names = []
    for info in pkgutil.iter_modules(pkg.__path__):
        if skip(info.name):
            continue
        importlib.import_module(f"{package}.{info.name}")
        names.append(info.name)
    return sorted(names)
