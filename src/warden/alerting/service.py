"""The alerting service of ``warden up``: evaluate rules, persist, route, queue, deliver.

One round (``evaluate_now``): run every rule against the App's live states and the store;
save the alerts that changed state; tell the incident tracker; plan every group's
notification and commit each group with its outbox rows in one transaction; wake the
delivery worker. Rounds run every ``alerting.evaluation_interval`` of the injected clock,
when a monitor changes state, and exactly when a pending alert's ``for:`` runs out.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from warden.alerting.builtin import effective_rules
from warden.alerting.config import SEVERITIES, AlertRule
from warden.alerting.evaluator import Change, Evaluator, RuleSpec, from_config
from warden.alerting.leader import Leadership
from warden.alerting.model import AlertState
from warden.alerting.muting import InhibitRule, MaintenanceWindow, Muting
from warden.alerting.routing import GroupCommit, Route, plan, renamed_legacy_groups
from warden.alerting.rules import EvalContext
from warden.alerting.slo import burn_rules
from warden.alerting.storage import AlertRepository, GroupState, Silence
from warden.config.references import check_references
from warden.config.schema import WardenConfig
from warden.engine.bus import StateChanged
from warden.errors import ConfigError, StoreError
from warden.incidents.storage import IncidentRepository
from warden.incidents.tracker import IncidentTracker
from warden.notify.channels import REGISTRY, Channel
from warden.notify.channels import load_all as load_channels
from warden.notify.delivery import Backoff, DeliveryWorker
from warden.notify.outbox import Outbox, OutboxEntry

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from warden.engine.app import App

log = logging.getLogger("warden.alerting")


def build_channels(config: WardenConfig) -> dict[str, dict[str, Channel]]:
    load_channels()
    out: dict[str, dict[str, Channel]] = {}
    for r in config.receivers:
        chans: dict[str, Channel] = {}
        for kind in ("apprise", "webhook", "alertmanager", "file"):
            text = r.templates if kind == "apprise" else None  # chat and e-mail messages
            extra = (text.title, text.body) if text is not None else ()
            for i, target in enumerate(getattr(r, kind)):
                chans[f"{kind}:{i}"] = REGISTRY.get(kind)(target, *extra)
        out[r.name] = chans
    return out


def build_rules(config: WardenConfig) -> list[RuleSpec]:
    every = config.alerting.query_interval
    own = effective_rules(config.alerts, config.alerting.builtin_rules)
    base = config.server.external_url or default_external_url(config.server.listen)
    own = [_absolute_runbook(r, base) for r in own]
    return [from_config(r, every) for r in own] + burn_rules(config.slos, every, base)


def _absolute_runbook(rule: AlertRule, base: str) -> AlertRule:
    """A runbook given as a path of the web app (``/runbooks/disk-full``) as a full URL, so a
    chat message or an Alertmanager links to it."""
    if rule.runbook and rule.runbook.startswith("/"):
        return rule.model_copy(update={"runbook": base.rstrip("/") + rule.runbook})
    return rule


def default_external_url(listen: str) -> str:
    """The URL of ``listen`` (host:port); a wildcard host becomes this machine's name."""
    host, sep, port = listen.rpartition(":")
    if sep and host.strip("[]") in ("", "0.0.0.0", "::"):  # noqa: S104 (a check, not a bind)
        host = socket.getfqdn()
    return f"http://{host}:{port}" if sep else f"http://{listen}"


class AlertingService:
    """The ``Service`` that ``build_services`` adds when the config has alerting sections."""

    def __init__(
        self,
        config: WardenConfig,
        engine: Engine,
        *,
        channels: Mapping[str, Mapping[str, Channel]] | None = None,
        backoff: Backoff | None = None,
        delivery_idle: float = 1.0,
    ) -> None:
        check_references(config)
        self.repo = AlertRepository(engine)
        self.outbox = Outbox(engine)
        self.incidents = IncidentTracker(IncidentRepository(engine))
        self.evaluator = Evaluator([])
        self.leader = Leadership(engine)
        self.is_leader = False
        self.worker: DeliveryWorker | None = None
        self._fixed_channels = channels
        self.apply_config(config)
        self.groups: dict[str, GroupState] = {}
        self.backoff = backoff
        self.delivery_idle = delivery_idle
        self._silences: list[Silence] = []
        self._app: App | None = None
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()

    def apply_config(self, config: WardenConfig) -> None:
        """Take rules, routes, receivers and windows from ``config``; alerts keep their state."""
        self.config = config
        self.routes = Route.build(config.routes)
        fixed = self._fixed_channels
        self.channels = fixed if fixed is not None else build_channels(config)
        self.evaluator.rules = build_rules(config)
        self.windows = [MaintenanceWindow.from_config(m) for m in config.maintenance]
        self.inhibits = [InhibitRule.from_config(r) for r in config.inhibit_rules]
        self.external_url = config.server.external_url or default_external_url(config.server.listen)
        if self.worker is not None:
            self.worker.channels = self.channels

    def _follow_reload(self, app: App) -> None:
        """After ``App.reload`` (SIGHUP), use the new config's alerting sections."""
        if app.config is self.config:
            return
        try:
            check_references(app.config)
        except ConfigError as exc:
            log.error("alerting keeps its previous rules and routes: %s", exc)
            self.config = app.config  # do not log again until the next reload
            return
        self.apply_config(app.config)
        log.info(
            "alerting reloaded: %d rules, %d routes", len(self.evaluator.rules), len(self.routes)
        )

    async def start(self, app: App) -> None:
        await self.attach(app)
        assert self.worker is not None
        app.bus.subscribe(StateChanged, self._on_state_changed)
        app.spawn(self._loop(), "alerting")
        app.spawn(self.worker.run(self.delivery_idle), "notify")

    async def attach(self, app: App) -> None:
        """Load persisted alerts and groups and build the worker, without starting loops."""
        self._app = app
        self.is_leader = await asyncio.to_thread(self.leader.check)
        await self._load()
        self.worker = DeliveryWorker(
            self.outbox,
            self.channels,
            app.clock,
            backoff=self.backoff,
            on_delivered=self._delivered,
            active=lambda: self.is_leader,
        )

    async def _load(self) -> None:
        self.evaluator.load(await asyncio.to_thread(self.repo.alerts))
        self.groups = await asyncio.to_thread(self.repo.groups)
        for old, state in renamed_legacy_groups(self.routes, self.groups).items():
            await asyncio.to_thread(self._rename_group, old, state)

    def _rename_group(self, old: str, state: GroupState) -> None:
        now = state.last_notified or state.first_seen
        self.repo.commit_group(state, state.group_key, [], now)
        self.repo.commit_group(None, old, [], now)
        self.groups.pop(old, None)
        self.groups[state.group_key] = state

    async def stop(self) -> None:
        self._app = None
        self.is_leader = False
        await asyncio.to_thread(self.leader.release)

    async def _on_state_changed(self, _event: StateChanged) -> None:
        self._wake.set()

    async def _delivered(self, entry: OutboxEntry, ok: bool, error: str) -> None:
        if self._app is None:
            return
        now = self._app.clock.time()
        await asyncio.to_thread(self.incidents.on_delivery, entry, ok, error, now)

    async def _loop(self) -> None:
        assert self._app is not None
        clock = self._app.clock
        interval = self.config.alerting.evaluation_interval
        while True:
            try:
                await self.evaluate_now()
            except StoreError as exc:
                log.error("alert evaluation: %s; trying again next round", exc)
            except Exception:
                log.exception("alert evaluation failed; trying again next round")
            now = clock.time()
            wait = interval
            deadline = self.evaluator.next_deadline()
            if deadline is not None:
                wait = min(wait, max(0.0, deadline - now))
            wait = min(wait, self._next_group_due(now))
            self._wake.clear()
            sleeper = asyncio.ensure_future(clock.sleep(wait))
            waker = asyncio.ensure_future(self._wake.wait())
            try:
                await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                sleeper.cancel()
                waker.cancel()

    def _next_group_due(self, now: float) -> float:
        """Seconds until the next group_wait, group_interval or repeat_interval runs out."""
        waits = [float("inf")]
        routes = {r.ident: r.config for r in self.routes}
        for key, g in self.groups.items():
            cfg = routes.get(key.rsplit(":{", 1)[0])
            if cfg is None:
                continue
            if g.last_notified is None:
                times = [g.first_seen + cfg.group_wait]
            else:
                times = [
                    g.last_notified + cfg.group_interval,
                    g.last_notified + cfg.repeat_interval,
                ]
            waits += [t - now for t in times if t > now]
        return min(waits)

    def muting(self) -> Muting:
        return Muting(self._silences, self.windows, self.inhibits)

    async def evaluate_now(self) -> list[Change]:
        """One full round; returns the transitions it made."""
        assert self._app is not None
        async with self._lock:
            app = self._app
            leader = await asyncio.to_thread(self.leader.check)
            if leader and not self.is_leader:  # taking over: start from what the store holds
                await self._load()
            self.is_leader = leader
            if not leader:
                return []
            self._follow_reload(app)
            now = app.clock.time()
            ctx = EvalContext(
                now, app.store, app.config.monitors, {s.monitor: s for s in app.states()}
            )
            changes, dirty, forget = await asyncio.to_thread(self.evaluator.evaluate, ctx)
            if dirty:
                await asyncio.to_thread(self.repo.save_alerts, dirty)
            if forget:
                await asyncio.to_thread(self.repo.forget_alerts, forget)
            self._silences = await asyncio.to_thread(self.repo.silences)
            alerts = list(self.evaluator.alerts.values())
            muting = self.muting()
            firing = [a for a in alerts if a.state is AlertState.FIRING]
            muted = {a.fingerprint for a in firing if muting.reason(a, firing, now)}
            for ch in changes:
                log.info("alert %s %s: %s", ch.alert.name, ch.transition, dict(ch.alert.labels))
            if changes:
                await asyncio.to_thread(self.incidents.on_changes, changes, muted, now)
            commits = plan(
                self.routes,
                {k: list(v) for k, v in self.channels.items()},
                alerts,
                self.groups,
                muting,
                now,
                self.external_url,
            )
            queued = await asyncio.to_thread(self._commit, commits, now)
            if queued and self.worker is not None:
                self.worker.wake()
            return changes

    def _commit(self, commits: Sequence[GroupCommit], now: float) -> int:
        queued = 0
        for c in commits:
            self.repo.commit_group(c.state, c.key, c.outgoing, now)
            if c.state is None:
                self.groups.pop(c.key, None)
            else:
                self.groups[c.key] = c.state
            queued += len(c.outgoing)
        return queued


def wants_alerting(config: WardenConfig) -> bool:
    return bool(config.alerts or config.receivers or config.slos or config.alerting.builtin_rules)


def build(config: WardenConfig, store: Any) -> list[Any]:
    """The alerting service for ``build_services`` (none when the store has no SQL engine)."""
    engine = getattr(store, "engine", None)
    if engine is None or not wants_alerting(config):
        return []
    return [AlertingService(config, engine)]


__all__ = ["SEVERITIES", "AlertingService", "build"]
