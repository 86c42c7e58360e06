"""Alerts and silences in the API (``/api/v1/alerts``, ``/api/v1/silences``) and on /metrics.

A thin layer over the alerting area's ``AlertRepository`` (the same tables the evaluator
writes): reading needs the viewer role, creating and expiring silences the operator role.
On /metrics, alerts come from the live evaluator when this process evaluates them.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import GaugeMetricFamily, Metric
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from warden.alerting.detail import alert_detail
from warden.alerting.model import Alert, AlertState
from warden.alerting.muting import Muting
from warden.alerting.period import alert_in, parse_period
from warden.alerting.service import AlertingService
from warden.alerting.storage import AlertRepository
from warden.alerting.views import alert_json, silence_json
from warden.web.api import read_json_body
from warden.web.context import Web, bad, json
from warden.web.users import Role

if TYPE_CHECKING:
    from warden.engine.app import App

MAX_SILENCE = 400 * 86400.0
_NOT_LABEL_CHARS = re.compile(r"[^a-zA-Z0-9_]")


def label_name(key: str) -> str:
    """``key`` as a valid Prometheus label name (``[a-zA-Z_][a-zA-Z0-9_]*``, no ``__`` start)."""
    name = _NOT_LABEL_CHARS.sub("_", key)
    if not name or name[0].isdigit():
        name = "_" + name
    return "exported" + name if name.startswith("__") else name


def alert_series_labels(a: Alert) -> dict[str, str]:
    """Labels of ``a`` on ``warden_alert``: alertname, alertstate, severity, then the alert's
    own labels renamed to valid names; a name already taken gets ``exported_`` in front (as
    Prometheus does), so no label overwrites another."""
    out = {
        "alertname": a.labels.get("alertname") or a.rule,
        "alertstate": str(a.state),
        "severity": a.severity,
    }
    for key, value in sorted(a.labels.items()):
        name = label_name(key)
        if key == name and out.get(name) == value:  # alertname or severity, said already
            continue
        while name in out:
            name = "exported_" + name
        out[name] = value
    return out


def live_alerts(app: App) -> list[Alert] | None:
    """The alerts of this process' evaluator while it is the one evaluating (else None)."""
    for service in app.services:
        if isinstance(service, AlertingService) and service.is_leader:
            try:
                return list(service.evaluator.alerts.values())
            except RuntimeError:  # changed while copied: read the store instead
                return None
    return None


class AlertCollector:
    """``warden_alerts{state, severity}`` (alert instances by state) and, like Prometheus'
    ``ALERTS``, ``warden_alert{alertname, alertstate, severity, ...labels} 1`` for each
    pending or firing alert. Read at scrape time from the live evaluator when this process
    runs it, else from the store."""

    def __init__(self, repo: AlertRepository, app: App | None = None) -> None:
        self.repo = repo
        self.app = app

    def _alerts(self) -> list[Alert]:
        live = live_alerts(self.app) if self.app is not None else None
        return live if live is not None else self.repo.alerts()

    def collect(self) -> Iterator[Metric]:
        counts_family = GaugeMetricFamily(
            "warden_alerts", "Alert instances by state and severity.", labels=["state", "severity"]
        )
        active = GaugeMetricFamily(
            "warden_alert", "1 for each pending or firing alert, with its labels (like ALERTS)."
        )
        try:
            alerts = self._alerts()
        except Exception:  # the store is unreachable: no alert figures this scrape
            return
        counts = Counter((str(a.state), a.severity) for a in alerts)
        for (state, severity), n in sorted(counts.items()):
            counts_family.add_metric([state, severity], float(n))
        seen: set[tuple[tuple[str, str], ...]] = set()
        for a in sorted(alerts, key=lambda a: (a.rule, a.fingerprint)):
            if a.state not in (AlertState.PENDING, AlertState.FIRING):
                continue
            labels = alert_series_labels(a)
            identity = tuple(sorted(labels.items()))
            if identity not in seen:  # two label sets that differ only in renamed keys
                seen.add(identity)
                active.add_sample("warden_alert", labels, 1.0)
        yield counts_family
        yield active


def api_period(request: Request, now: float) -> tuple[float, float] | None:
    """``since``/``until`` query parameters (2h, an ISO time or epoch seconds); 400 if bad."""
    since = request.query_params.get("since") or None
    until = request.query_params.get("until") or None
    if since is None and until is None:
        return None
    try:
        return parse_period(since, until, now)
    except ValueError as exc:
        raise bad(str(exc)) from None


def alert_routes(web: Web, repo: AlertRepository) -> list[BaseRoute]:
    guard = web.auth.guard

    @guard(Role.VIEWER)
    async def alerts(request: Request) -> Response:
        state = request.query_params.get("state") or None
        try:
            states = [AlertState(state)] if state else None
        except ValueError:
            raise bad("state must be one of inactive, pending, firing, resolved") from None
        period = api_period(request, web.now())
        every, silences = await asyncio.to_thread(lambda: (repo.alerts(), repo.silences()))
        got = [a for a in every if states is None or a.state in states]
        if period is not None:
            got = [a for a in got if alert_in(a, *period)]
        cfg = web.app.config
        reasons = Muting.build(silences, cfg.maintenance, cfg.inhibit_rules).reasons(
            every, web.now()
        )
        return json({"alerts": [alert_json(a, reasons.get(a.fingerprint)) for a in got]})

    @guard(Role.VIEWER)
    async def alert(request: Request) -> Response:
        fp = request.path_params["fingerprint"]
        cfg = web.app.config
        got = await asyncio.to_thread(
            alert_detail, web.engine, fp, cfg.maintenance, cfg.inhibit_rules, web.now()
        )
        if got is None:
            raise HTTPException(404, f"no alert {fp!r}")
        return json(got)

    @guard(Role.VIEWER)
    async def silences(_: Request) -> Response:
        got = await asyncio.to_thread(repo.silences)
        now = web.now()
        return json({"silences": [silence_json(s, now) for s in got]})

    @guard(Role.OPERATOR)
    async def create_silence(request: Request) -> Response:
        body = await read_json_body(request)
        matchers = body.get("matchers")
        if not isinstance(matchers, list) or not all(isinstance(m, str) for m in matchers):
            raise bad("'matchers' must be a list of strings such as 'monitor=\"api\"'")
        now = web.now()
        starts = body.get("starts_at", now)
        duration = body.get("duration_seconds")
        comment = body.get("comment", "")
        for key, value in (("starts_at", starts), ("duration_seconds", duration)):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise bad(f"'{key}' must be a number")
        assert isinstance(starts, int | float)
        assert isinstance(duration, int | float)
        if not 0 <= starts <= 1e11 or not 60 <= duration <= MAX_SILENCE:
            raise bad("'duration_seconds' must be 60 to 400 days; 'starts_at' epoch seconds")
        if not isinstance(comment, str) or len(comment) > 1000:
            raise bad("'comment' must be a string of at most 1000 characters")
        who = request.state.principal.user
        try:
            made = await asyncio.to_thread(
                repo.add_silence, matchers, float(starts), starts + duration, who, comment, now
            )
        except ValueError as exc:
            raise bad(str(exc)) from None
        return json(silence_json(made, now), 201)

    @guard(Role.OPERATOR)
    async def expire_silence(request: Request) -> Response:
        sid = request.path_params["silence_id"]
        if not sid or len(sid) > 64:
            raise HTTPException(404, "no such silence")
        done = await asyncio.to_thread(repo.expire_silence, sid, web.now())
        if not done:
            raise HTTPException(404, f"no silence {sid!r} (or the prefix is not unique)")
        return Response(status_code=204)

    p = "/api/v1"
    return [
        Route(f"{p}/alerts", alerts),
        Route(f"{p}/alerts/{{fingerprint}}", alert),
        Route(f"{p}/silences", silences),
        Route(f"{p}/silences", create_silence, methods=["POST"]),
        Route(f"{p}/silences/{{silence_id}}", expire_silence, methods=["DELETE"]),
    ]
