"""Running what the API manages: the overlay on the YAML config and the service that keeps it.

``effective(config, snapshot)`` is the YAML config plus the API's monitors, maintenance
windows and status pages, with paused monitors disabled. A name the YAML already uses wins
over the API's (the API refuses such names; this covers a YAML edited afterwards). The
``ManagedService`` installs that overlay on the App (``App.overlay``), re-applies it after
every change made through this process's API (``refresh``) and polls the store's revision
counter, so a change made through another instance or the CLI is picked up too.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from warden.config.schema import WardenConfig
from warden.engine.threads import in_thread
from warden.errors import WardenError
from warden.managed.storage import ManagedRepository, Snapshot
from warden.managed.validate import KINDS, Invalid, name_of, validate

if TYPE_CHECKING:
    from warden.engine.app import App
    from warden.store.protocol import Store

log = logging.getLogger("warden.managed")
POLL_SECONDS = 5.0


def effective(config: WardenConfig, snapshot: Snapshot) -> WardenConfig:
    """``config`` with the managed objects of ``snapshot`` added and paused monitors off."""
    update: dict[str, list[Any]] = {}
    for kind in KINDS.values():
        items = list(getattr(config, kind.section))
        taken = {name_of(kind, x) for x in items}
        for record in snapshot.of(kind.section):
            if record.name in taken:
                log.warning(
                    "%s %r is in the YAML and in the API; the YAML one runs",
                    kind.label,
                    record.name,
                )
                continue
            try:
                items.append(validate(kind, record.body, config.model_copy(update=update)))
            except Invalid as exc:
                log.error("API-managed %s %r is not valid now: %s", kind.label, record.name, exc)
                continue
            taken.add(record.name)
        update[kind.section] = items
    update["monitors"] = [
        m.model_copy(update={"enabled": False}) if m.name in snapshot.pauses else m
        for m in update["monitors"]
    ]
    return config.model_copy(update=update)


class ManagedService:
    """Keeps the App's monitors, windows and pages in step with the managed store."""

    def __init__(self, repo: ManagedRepository, poll: float = POLL_SECONDS) -> None:
        self.repo = repo
        self.poll = poll
        self.snapshot = Snapshot(0)
        self._app: App | None = None
        self._lock = asyncio.Lock()

    def overlay(self, config: WardenConfig) -> WardenConfig:
        return effective(config, self.snapshot)

    async def start(self, app: App) -> None:
        self._app = app
        app.overlay = self.overlay
        await self.refresh()
        app.spawn(self._follow(), "managed")

    async def stop(self) -> None:
        self._app = None

    async def refresh(self) -> None:
        """Read the managed objects and re-apply the config (unchanged monitors keep state)."""
        async with self._lock:
            app = self._app
            if app is None:
                return
            self.snapshot = await in_thread(self.repo.snapshot)
            try:
                await app.reload(app.base_config)
            except WardenError:
                # not applied (e.g. the store refused the monitor rows): retry at the next poll
                self.snapshot = Snapshot(-1, self.snapshot.records, self.snapshot.pauses)
                raise

    async def _follow(self) -> None:
        while True:
            await asyncio.sleep(self.poll)  # real time: this polls the store, not the clock
            try:
                revision = await in_thread(self.repo.revision)
                if revision != self.snapshot.revision:
                    await self.refresh()
            except WardenError as exc:
                log.warning("cannot read managed monitors: %s", exc)


def build(config: WardenConfig, store: Store) -> list[ManagedService]:
    """The service for ``warden up`` (only with the SQL store, where the tables live)."""
    engine = getattr(store, "engine", None)
    if not isinstance(engine, Engine):
        return []
    return [ManagedService(ManagedRepository(engine))]


def service_of(app: App) -> ManagedService | None:
    """The App's ManagedService, if it runs one."""
    for s in app.services:
        if isinstance(s, ManagedService):
            return s
    return None


def with_managed(config: WardenConfig, store: Store) -> WardenConfig:
    """``config`` with what the store's managed tables hold (for commands that read it)."""
    engine = getattr(store, "engine", None)
    if not isinstance(engine, Engine):
        return config
    return effective(config, ManagedRepository(engine).snapshot())
