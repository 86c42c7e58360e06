"""Monitoring tools: status, monitors, check results, metric series, alerts, silences, SLOs.

Each answers with the builder its CLI command uses (``status_payload``, ``alert_json``,
``silence_json``, ``slo_json``), one page at a time and summaries first.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from pydantic import Field

from warden.mcp.caller import caller_name
from warden.mcp.deps import Deps
from warden.mcp.paging import (
    Limit,
    MaxPoints,
    Offset,
    Since,
    Until,
    page,
    period,
    summary,
    thin,
)
from warden.mcp.registry import Tools
from warden.report.jsonout import to_jsonable

MonitorName = Annotated[str, Field(description="Monitor name (see the monitors tool).")]


def register(tools: Tools, deps: Deps) -> None:
    def monitor_of(name: str) -> Any:
        try:
            return deps.config.monitor(name)
        except KeyError:
            raise ValueError(f"no monitor named {name!r} (see the monitors tool)") from None

    @tools.read
    async def status(offset: Offset = 0, limit: Limit = 50) -> dict[str, Any]:
        """Every monitor's current state: counts by state and the monitors that are down
        first, then one page of rows (stale rows mean checks are not running)."""
        from warden.cli.status import status_payload

        states = {s.monitor: s for s in await asyncio.to_thread(deps.store.states)}
        data = status_payload(deps.config.monitors, states, deps.now())
        rows = data.pop("monitors")
        counts: dict[str, int] = {}
        for r in rows:
            key = "stale" if r["stale"] else r["status"]
            counts[key] = counts.get(key, 0) + 1
        down = [r["monitor"] for r in rows if r["status"] == "down" and not r["stale"]]
        order = {"down": 0, "degraded": 1, "unknown": 2}
        rows.sort(key=lambda r: (order.get(r["status"], 3), r["monitor"]))
        return {"counts": counts, "down_monitors": down[:50], **data,
                **page(rows, offset, limit, "monitors")}  # fmt: skip

    @tools.read
    async def monitors(
        group: Annotated[str | None, Field(description="Only this group.")] = None,
        type: Annotated[str | None, Field(description="Only this probe type (http, tcp…).")] = None,
        offset: Offset = 0,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        """The configured monitors: name, type, group, target (secrets redacted), interval."""
        rows = []
        for m in deps.config.monitors:
            if (group and m.group != group) or (type and m.probe_type() != type):
                continue
            cfg = m.probe_config()
            rows.append({"monitor": m.name, "type": m.probe_type(), "group": m.group,
                         "target": cfg.target() if cfg is not None else "",
                         "interval": m.interval, "timeout": m.timeout, "enabled": m.enabled,
                         "labels": dict(m.labels), "source": m.source})  # fmt: skip
        return page(rows, offset, limit, "monitors")

    @tools.read
    async def monitor_config(monitor: MonitorName) -> dict[str, Any]:
        """One monitor's full settings, secrets redacted."""
        m = monitor_of(monitor)
        return {"monitor": m.name, "type": m.probe_type(), "settings": to_jsonable(m)}

    @tools.read
    async def check_results(
        monitor: MonitorName,
        since: Since = "1h",
        until: Until = None,
        only_failures: Annotated[bool, Field(description="Only down or degraded checks.")] = False,
        offset: Offset = 0,
        limit: Limit = 20,
    ) -> dict[str, Any]:
        """A monitor's checks over a range: a summary (counts by status, latency p50/p95,
        availability) first, then one page of results newest first with their timing phases."""
        m = monitor_of(monitor)
        lo, hi = period(since, until, deps.now(), 31 * 86400.0)
        store = deps.store
        got = await asyncio.to_thread(store.results, m.name, lo, hi, 20_000)
        uptime = await asyncio.to_thread(store.uptime, m.name, lo, hi)
        qs = await asyncio.to_thread(store.latency_quantiles, m.name, lo, hi, [0.5, 0.95, 0.99])
        shown = [r for r in got if not only_failures or r.status.label != "up"]
        rows = [
            {
                "time": r.time,
                "status": r.status.label,
                "latency": r.latency,
                "error": str(r.error) or None,
                "message": r.message,
                "phases": dict(r.phases),
                "metrics": dict(sorted(r.metrics.items())[:30]),
            }
            for r in shown
        ]
        return {
            "monitor": m.name,
            "since": lo,
            "until": hi,
            "summary": {
                "checks": uptime.total,
                "up": uptime.up,
                "degraded": uptime.degraded,
                "down": uptime.down,
                "availability": uptime.ratio,
                "latency_p50": qs.get(0.5),
                "latency_p95": qs.get(0.95),
                "latency_p99": qs.get(0.99),
                "raw_results_read": len(got),
            },
            **page(rows, offset, limit, "results"),
        }

    @tools.read
    async def metric_names(
        prefix: Annotated[str, Field(description="Only names starting with this.")] = "",
        offset: Offset = 0,
        limit: Limit = 100,
    ) -> dict[str, Any]:
        """The stored metric series (collector samples, probe metrics, forecasts): name and
        labels, to pick one for metric_query."""
        from warden.store import queries

        names = await asyncio.to_thread(queries.series_names, deps.store.engine)
        rows = [{"name": n, "labels": labels} for n, labels in sorted(names, key=lambda x: x[0])
                if n.startswith(prefix)]  # fmt: skip
        return page(rows, offset, limit, "series")

    @tools.read
    async def metric_query(
        name: Annotated[str, Field(description="Series name, e.g. host_cpu_percent.")],
        since: Since = "6h",
        until: Until = None,
        labels: Annotated[
            dict[str, str] | None, Field(description="Only series with these label values.")
        ] = None,
        max_points: MaxPoints = 60,
        max_series: Annotated[int, Field(ge=1, le=50)] = 10,
    ) -> dict[str, Any]:
        """One metric over a range: per series a summary (min, mean, max, p95, last) and at
        most max_points averaged points (raw samples, then rollups for older ranges)."""
        lo, hi = period(since, until, deps.now())
        series = await asyncio.to_thread(deps.store.sample_points, name, lo, hi, labels)
        out = [
            {
                "labels": dict(s.labels),
                "summary": summary([v for _, v in s.points]),
                "points": thin(s.points, max_points),
            }
            for s in series[:max_series]
        ]
        return {"name": name, "since": lo, "until": hi, "series_total": len(series),
                "series": out}  # fmt: skip

    @tools.read
    async def alerts(
        include_resolved: Annotated[bool, Field(description="Resolved ones too.")] = False,
        offset: Offset = 0,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        """Pending and firing alerts (firing first), with why any is muted."""
        from warden.alerting.model import AlertState
        from warden.alerting.muting import Muting
        from warden.alerting.storage import AlertRepository
        from warden.alerting.views import alert_json

        repo = AlertRepository(deps.store.engine)
        states = [AlertState.PENDING, AlertState.FIRING]
        if include_resolved:
            states.append(AlertState.RESOLVED)
        every = await asyncio.to_thread(repo.alerts, states)
        silences = await asyncio.to_thread(repo.silences)
        cfg = deps.config
        reasons = Muting.build(silences, cfg.maintenance, cfg.inhibit_rules).reasons(
            every, deps.now()
        )
        rank = {AlertState.FIRING: 0, AlertState.PENDING: 1, AlertState.RESOLVED: 2}
        every.sort(key=lambda a: (rank[a.state], -(a.active_since or 0)))
        counts: dict[str, int] = {}
        for a in every:
            counts[a.state.value] = counts.get(a.state.value, 0) + 1
        rows = [alert_json(a, reasons.get(a.fingerprint)) for a in every]
        return {"counts": counts, **page(rows, offset, limit, "alerts")}

    @tools.read
    async def silences(
        include_expired: Annotated[bool, Field(description="Expired ones too.")] = False,
        offset: Offset = 0,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        """Active (and optionally expired) silences."""
        from warden.alerting.storage import AlertRepository
        from warden.alerting.views import silence_json

        now = deps.now()
        every = await asyncio.to_thread(AlertRepository(deps.store.engine).silences)
        rows = [silence_json(s, now) for s in every if include_expired or s.ends_at > now]
        return page(rows, offset, limit, "silences")

    @tools.write()
    async def silence_create(
        matchers: Annotated[
            list[str], Field(min_length=1, description='Label matchers, e.g. monitor="api".')
        ],
        comment: Annotated[str, Field(min_length=1, max_length=500, description="Why.")],
        duration: Annotated[str, Field(description="How long from now, e.g. 2h.")] = "1h",
    ) -> dict[str, Any]:
        """Silence alerts matching every matcher, from now for duration."""
        from warden.alerting.storage import AlertRepository
        from warden.alerting.views import silence_json
        from warden.config._types import parse_duration

        seconds = parse_duration(duration)
        if seconds > 31 * 86400:
            raise ValueError("duration: at most 31 days")
        now = deps.now()
        repo = AlertRepository(deps.store.engine)
        sil = await asyncio.to_thread(
            repo.add_silence, matchers, now, now + seconds, caller_name(), comment, now
        )
        return {"silence": silence_json(sil, now)}

    @tools.write()
    async def silence_expire(
        silence_id: Annotated[str, Field(description="Silence id or a unique prefix.")],
    ) -> dict[str, Any]:
        """End a silence now."""
        from warden.alerting.storage import AlertRepository

        repo = AlertRepository(deps.store.engine)
        if not await asyncio.to_thread(repo.expire_silence, silence_id, deps.now()):
            raise ValueError(f"no silence with id {silence_id!r} (see the silences tool)")
        return {"id": silence_id, "expired": True}

    @tools.read
    async def slos() -> dict[str, Any]:
        """Each SLO's SLI, error budget remaining and burn rates (1h, 6h, 3d)."""
        from warden.alerting.slo import slo_json, slo_status

        cfg = deps.config
        now = deps.now()

        def build() -> list[dict[str, Any]]:
            return [slo_json(slo_status(deps.store, s, cfg.monitors, now)) for s in cfg.slos]

        rows = await asyncio.to_thread(build)
        return {"slos": rows[:100], "total": len(rows)}
