"""The changes the API, the dashboard and the CLI make, in one place (one function each).

Names the YAML defines belong to the file: creating one is a conflict, and editing or
deleting one is refused with a message saying to edit the file; pausing works for both.
Every change is logged on ``warden.managed`` as ``audit: <who> <did> <kind> <name>`` and
applied to the running App at once (other instances follow by polling, see service.py).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from warden.managed.service import ManagedService, service_of
from warden.managed.storage import Conflict, ManagedRepository, NotFound, Record
from warden.managed.validate import (
    KINDS,
    Kind,
    name_of,
    redacted,
    restore_redacted,
    validate,
)

if TYPE_CHECKING:
    from warden.engine.app import App

log = logging.getLogger("warden.managed")


class YamlOwned(Conflict):
    """The object comes from warden.yaml; only the file changes it."""


class Manager:
    def __init__(self, repo: ManagedRepository, app: App) -> None:
        self.repo = repo
        self.app = app

    # -- reads -------------------------------------------------------------------------

    def _yaml_names(self, kind: Kind) -> set[str]:
        return {name_of(kind, x) for x in getattr(self.app.base_config, kind.section)}

    def _running(self, kind: Kind, name: str) -> Any:
        for x in getattr(self.app.config, kind.section):
            if name_of(kind, x) == name:
                return x
        return None

    def describe(self, kind: Kind, name: str) -> dict[str, Any]:
        """``{name, kind, source, paused, definition, updated_at, updated_by}`` (blocking).

        ``definition`` is the body as given through the API with literal secrets shown as
        ``REDACTED``; it is null for objects from warden.yaml (the file is the definition)."""
        item = self._running(kind, name)
        yaml = name in self._yaml_names(kind)
        record = None
        if not yaml:
            try:
                record = self.repo.get(kind.section, name)
            except NotFound:
                if item is None:
                    raise
        if item is None and record is None:
            raise NotFound(f"no {kind.label} named {name!r}")
        row: dict[str, Any] = {
            "kind": kind.path,
            "name": name,
            "source": "yaml" if yaml else "api",
        }
        if kind.section == "monitors":
            row["paused"] = self._paused(name)
        row["definition"] = (
            redacted(record.body, item) if record is not None and item is not None else None
        )
        if record is not None and item is None:
            row["error"] = "stored but not running: it no longer validates (see the log)"
        row["updated_at"] = record.updated_at if record else None
        row["updated_by"] = record.updated_by if record else None
        return row

    def _paused(self, name: str) -> bool:
        svc = service_of(self.app)
        return svc is not None and name in svc.snapshot.pauses

    def listing(self, kind: Kind) -> list[dict[str, Any]]:
        """Every object of ``kind`` that runs, YAML and API, with its source (blocking)."""
        names = [name_of(kind, x) for x in getattr(self.app.config, kind.section)]
        return [self.describe(kind, n) for n in names]

    # -- changes -----------------------------------------------------------------------

    async def create(self, kind: Kind, body: Any, by: str) -> dict[str, Any]:
        item = validate(kind, body, self.app.config)
        name = name_of(kind, item)
        if name in self._yaml_names(kind):
            raise Conflict(f"{kind.label} {name!r} is already defined in warden.yaml")
        now = self.app.clock.time()
        await asyncio.to_thread(self.repo.create, kind.section, name, body, by, now)
        return await self._done(kind, name, by, "created")

    async def replace(self, kind: Kind, name: str, body: Any, by: str) -> dict[str, Any]:
        self._not_yaml(kind, name, "edit")
        old: Record = await asyncio.to_thread(self.repo.get, kind.section, name)
        body = restore_redacted(body, old.body)
        item = validate(kind, body, self.app.config, replacing=name)
        new_name = name_of(kind, item)
        if new_name != name and new_name in self._yaml_names(kind):
            raise Conflict(f"{kind.label} {new_name!r} is already defined in warden.yaml")
        now = self.app.clock.time()
        await asyncio.to_thread(self.repo.replace, kind.section, name, new_name, body, by, now)
        return await self._done(kind, new_name, by, "updated")

    async def delete(self, kind: Kind, name: str, by: str) -> None:
        self._not_yaml(kind, name, "delete")
        await asyncio.to_thread(self.repo.delete, kind.section, name)
        log.info("audit: %s deleted %s %r", by, kind.label, name)
        await self._apply()

    async def pause(self, name: str, paused: bool, by: str) -> dict[str, Any]:
        kind = KINDS["monitors"]
        if self._running(kind, name) is None:
            raise NotFound(f"no monitor named {name!r}")
        now = self.app.clock.time()
        await asyncio.to_thread(self.repo.set_paused, name, paused, by, now)
        return await self._done(kind, name, by, "paused" if paused else "resumed")

    def _not_yaml(self, kind: Kind, name: str, verb: str) -> None:
        if name in self._yaml_names(kind):
            raise YamlOwned(
                f"{kind.label} {name!r} is defined in warden.yaml: {verb} it in the file "
                "and reload (SIGHUP); the API changes only what it created"
            )

    async def _done(self, kind: Kind, name: str, by: str, did: str) -> dict[str, Any]:
        log.info("audit: %s %s %s %r", by, did, kind.label, name)
        await self._apply()
        return await asyncio.to_thread(self.describe, kind, name)

    async def _apply(self) -> None:
        """Run the change now; the App gets a ManagedService if it has none yet."""
        svc = service_of(self.app)
        if svc is None:
            svc = ManagedService(self.repo)
            self.app.services.append(svc)
            await svc.start(self.app)
            return
        await svc.refresh()
