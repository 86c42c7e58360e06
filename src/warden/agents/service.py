"""The agents' side of ``warden up``: their heartbeat monitors and each located monitor's verdict.

For every location that a monitor names, the service adds a heartbeat monitor
``agent-<location>`` (through the App's config overlay, so it is stored, shown and alerted on
like any monitor): each push or assignment read of that location's agent pings it, and when
the agent is silent for ``agents.silent_after`` it goes down, which is the agent's own alert
(the built-in MonitorDown, or any ``state`` rule naming it).

Every ``tick`` it judges the located monitors that are due (one interval after the last
verdict) and that this instance runs (on a shared store, the holder of the monitor's work
lease: one verdict per interval among all instances). The verdict (quorum.py) is recorded
like any check result: state, retries, alerts, incidents, SLOs and the store see it. A monitor
with no location known gets no result: unknown, never down because its agents went silent.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from warden.agents.quorum import combine, location_states
from warden.agents.repository import AgentRepository
from warden.agents.views import agent_monitor, used_locations
from warden.config.schema import MonitorBase, WardenConfig, build_model
from warden.engine.sharing import monitor_key
from warden.errors import StoreError
from warden.results import CheckResult

if TYPE_CHECKING:
    from warden.engine.app import App

log = logging.getLogger("warden.agents")
HEARTBEAT_EVERY = 5.0
PRUNE_EVERY = 3600.0


def heartbeat_monitors(config: WardenConfig) -> list[MonitorBase]:
    """``agent-<location>`` for every location in use that no monitor of the YAML names."""
    taken = {m.name for m in config.monitors}
    period = f"{config.agents.silent_after:g}s"
    items = [
        {
            "name": agent_monitor(loc),
            "interval": f"{min(HEARTBEAT_EVERY, config.agents.silent_after):g}s",
            "group": "agents",
            "labels": {"location": loc},
            "description": f"The probe agent of location {loc} is reporting.",
            "heartbeat": {"grace": "0s", "period": period},
        }
        for loc in used_locations(config)
        if agent_monitor(loc) not in taken
    ]
    if not items:
        return []
    return list(build_model().model_validate({"monitors": items}).monitors)


class AgentsService:
    def __init__(self, engine: Engine, tick: float = 1.0) -> None:
        self.repo = AgentRepository(engine)
        self.tick = tick
        self.unknown: set[str] = set()
        self._app: App | None = None
        self._due: dict[str, float] = {}
        self._pruned = 0.0

    def overlay(self, config: WardenConfig) -> WardenConfig:
        extra = heartbeat_monitors(config)
        if not extra:
            return config
        return config.model_copy(update={"monitors": [*config.monitors, *extra]})

    async def start(self, app: App) -> None:
        self._app = app
        previous = app.overlay

        def both(config: WardenConfig) -> WardenConfig:
            return self.overlay(previous(config) if previous is not None else config)

        app.overlay = both
        if heartbeat_monitors(app.config):
            await app.reload(app.base_config)
        app.spawn(self._loop(), "agents")

    async def stop(self) -> None:
        self._app = None

    async def _loop(self) -> None:
        while self._app is not None:
            clock = self._app.clock
            try:
                await self.round()
            except StoreError as exc:
                log.warning("cannot judge the located monitors: %s", exc)
            except Exception:  # a bug: say so, and judge again at the next tick
                log.exception("judging the located monitors failed")
            await clock.sleep(self.tick)

    async def round(self) -> list[CheckResult]:
        """Judge the located monitors that are due; returns the results recorded."""
        app = self._app
        if app is None:
            return []
        now = app.clock.time()
        located = [
            m
            for m in app.config.monitors
            if m.enabled and m.locations and app.share.owns(monitor_key(m.name))
        ]
        due = [m for m in located if self._due.get(m.name, 0.0) <= now]
        if now - self._pruned >= PRUNE_EVERY:
            self._pruned = now
            await asyncio.to_thread(self.repo.prune, now - app.config.store.retention.raw)
        if not due:
            return []
        latest, agents = await asyncio.to_thread(self._read, [m.name for m in due])
        out = []
        for m in due:
            self._due[m.name] = now + m.interval
            states = location_states(
                m, latest.get(m.name, {}), agents, now, app.config.agents.silent_after
            )
            result = combine(m, states, now)
            if result is None:
                if m.name not in self.unknown:
                    log.warning("%s is unknown: no location reports it", m.name)
                self.unknown.add(m.name)
                continue
            self.unknown.discard(m.name)
            await app.record(result)
            out.append(result)
        return out

    def _read(self, names: list[str]) -> tuple[Any, Any]:
        return self.repo.latest(names), self.repo.locations()

    async def heard_from(self, location: str) -> None:
        """Ping the heartbeat monitor of ``location`` (its agent pushed or asked)."""
        app = self._app
        if app is not None and any(m.name == agent_monitor(location) for m in app.config.monitors):
            await app.heartbeat(agent_monitor(location))


def build(config: WardenConfig, store: Any) -> list[AgentsService]:
    """The service for ``warden up`` (with the SQL store, where the agents' tables live)."""
    engine = getattr(store, "engine", None)
    if not isinstance(engine, Engine):
        return []
    return [AgentsService(engine)]


def service_of(app: App) -> AgentsService | None:
    for s in app.services:
        if isinstance(s, AgentsService):
            return s
    return None
