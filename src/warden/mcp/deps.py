"""What every MCP tool reads: the config, the SQL store and the clock, from one of two places.

``warden mcp`` (stdio) loads the config file and opens the store like any batch command;
the ``/mcp`` endpoint of ``warden up`` borrows the running App's (so a reload is seen by the
next call, and monitor states are the live ones).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warden.errors import StoreError

if TYPE_CHECKING:
    from warden.config.schema import WardenConfig
    from warden.store.sql import SqlStore


@dataclass
class Deps:
    """The config (a callable: it may be reloaded), the store, the clock and where the
    docs and runbooks come from."""

    config_of: Callable[[], WardenConfig]
    store: SqlStore
    now: Callable[[], float] = time.time
    owns_store: bool = False
    config_path: Path | None = None  # the file the config came from (the scan tool's folder)

    @property
    def config(self) -> WardenConfig:
        return self.config_of()

    def close(self) -> None:
        if self.owns_store:
            self.store.close()


def open_deps(path: Path | None) -> Deps:
    """Deps for ``warden mcp``: the config file found by the usual search, its store opened
    (the caller closes it with ``Deps.close``)."""
    from warden.config import find_config, load_config
    from warden.managed.service import with_managed
    from warden.tables import open_store

    found = find_config(path)
    base = load_config(found)
    store = open_store(base.store.url.get_secret_value())
    config = with_managed(base, store)
    return Deps(config_of=lambda: config, store=store, owns_store=True, config_path=found)


def app_deps(app: Any) -> Deps:
    """Deps over a running App (the web server's ``/mcp``)."""
    from warden.store.sql import SqlStore

    store = app.store
    if not isinstance(store, SqlStore):
        raise StoreError("the MCP server needs the SQL store")
    return Deps(config_of=lambda: app.config, store=store, now=app.clock.time)
