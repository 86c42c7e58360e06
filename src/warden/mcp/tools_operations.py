"""Operations tools: audits of configured targets, load tests, backups and restore drills,
game-day results.

Audits run only on targets named in the config's ``audits:`` section (their findings are kept,
see ``warden.audit.history``); load tests obey the scenario limits of ``warden load``
(loopback targets only, a request cap) plus a duration cap; backups and drills run the
configured backups exactly as ``warden backup run`` and ``warden dr drill`` do and are
recorded in the store.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from pydantic import Field

from warden.mcp.deps import Deps
from warden.mcp.paging import Limit, MaxPoints, Offset, page, thin
from warden.mcp.registry import Tools
from warden.report.jsonout import to_jsonable

MAX_LOAD_SECONDS = 600.0
Preset = Literal["baseline", "stress", "spike", "soak", "breakpoint"]


def lean_load(doc: dict[str, Any], max_points: int) -> dict[str, Any]:
    """A load test document without its bulk: the per-second series thinned, at most 20
    request names, resource points thinned."""
    out = dict(doc)
    series = out.pop("series", []) or []
    keys = ("t", "rps", "p95_ms", "error_rate")
    out["series"] = [{k: p.get(k) for k in keys if k in p} for p in series][
        :: max(1, len(series) // max_points or 1)
    ][:max_points]
    out["by_name"] = (out.get("by_name") or [])[:20]
    out["resources"] = [
        {**r, "points": thin([tuple(p) for p in r.get("points", [])], max_points)}
        for r in out.get("resources") or []
    ]
    return out


def register(tools: Tools, deps: Deps) -> None:
    def audit_of(name: str) -> Any:
        for a in deps.config.audits:
            if a.name == name:
                return a
        known = ", ".join(a.name for a in deps.config.audits) or "none configured"
        raise ValueError(f"no audit named {name!r} in the config (known: {known})")

    def backup_of(name: str) -> Any:
        for b in deps.config.backups:
            if b.name == name:
                return b
        known = ", ".join(b.name for b in deps.config.backups) or "none configured"
        raise ValueError(f"no backup named {name!r} in the config (known: {known})")

    @tools.read
    async def audits() -> dict[str, Any]:
        """The configured audits (kind, target with secrets redacted, schedule) and when each
        last ran, with its finding counts."""
        from warden.audit import history

        names = [a.name for a in deps.config.audits]
        last = await asyncio.to_thread(history.latest, deps.store.engine, names)
        rows = []
        for a in deps.config.audits:
            got = last.get(a.name)
            rows.append({"audit": a.name, "kind": a.kind, "target": a.target.display(),
                         "schedule": a.schedule, "enabled": a.enabled,
                         "last_run": got["at"] if got else None,
                         "counts": got["counts"] if got else None})  # fmt: skip
        return {"audits": rows}

    @tools.read
    async def audit_findings(
        audit: Annotated[str, Field(description="Audit name from the config.")],
        min_severity: Literal["critical", "high", "medium", "low"] = "low",
        offset: Offset = 0,
        limit: Limit = 20,
    ) -> dict[str, Any]:
        """The findings of an audit's latest stored run, most severe first."""
        from warden.audit import history

        audit_of(audit)
        got = (await asyncio.to_thread(history.latest, deps.store.engine, [audit])).get(audit)
        if got is None:
            raise ValueError(f"audit {audit!r} has not run yet: call audit_run first")
        order = ["critical", "high", "medium", "low"]
        floor = order.index(min_severity)
        found = [f for f in got.get("findings", []) if order.index(f["severity"]) <= floor]
        found.sort(key=lambda f: order.index(f["severity"]))
        head = {k: got.get(k) for k in ("audit", "kind", "target", "at", "counts", "errors")}
        return {**head, **page(found, offset, limit, "findings")}

    @tools.write()
    async def audit_run(
        audit: Annotated[str, Field(description="Audit name from the config.")],
    ) -> dict[str, Any]:
        """Run a configured audit now and keep its report; answers the counts and the ten
        most severe findings (audit_findings pages through the rest)."""
        from warden.audit import history
        from warden.audit.config import run_audit

        cfg = audit_of(audit)
        report = await run_audit(cfg)
        payload = report.payload()
        await asyncio.to_thread(history.save, deps.store.engine, cfg.name, payload, deps.now())
        findings = sorted(report.findings, key=lambda f: f.severity, reverse=True)[:10]
        return {
            "audit": cfg.name,
            "kind": cfg.kind,
            "counts": report.counts(),
            "duration": report.duration,
            "errors": report.errors[:10],
            "findings": to_jsonable(findings),
            "findings_total": len(report.findings),
        }

    @tools.write()
    async def load_run(
        url: Annotated[str, Field(description="http(s) URL on loopback, e.g. the app's /.")],
        preset: Preset = "baseline",
        rate: Annotated[float | None, Field(gt=0, le=100_000, description="Normal req/s.")] = 10,
        duration: Annotated[str, Field(description="Run length, e.g. 30s (at most 10m).")] = "30s",
        max_requests: Annotated[int, Field(ge=1, le=1_000_000)] = 100_000,
        max_points: MaxPoints = 60,
    ) -> dict[str, Any]:
        """Run a load test preset against a loopback URL (the same scenario limits as `warden
        load`), save it in the store and answer its summary."""
        from urllib.parse import urlsplit, urlunsplit

        from warden.config._types import parse_duration
        from warden.loadtest.compile import compile_plan
        from warden.loadtest.monitor import TargetMonitor
        from warden.loadtest.runner import LoadRunner
        from warden.loadtest.scenario import Scenario
        from warden.loadtest.storage import save_result

        seconds = parse_duration(duration)
        if seconds > MAX_LOAD_SECONDS:
            raise ValueError(f"duration: at most {MAX_LOAD_SECONDS:g} s through MCP")
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        scenario = Scenario.model_validate(
            {
                "name": f"mcp {preset} {urlunsplit((parts.scheme, parts.netloc, '', '', ''))}",
                "target": urlunsplit((parts.scheme, parts.netloc, "", "", "")),
                "requests": [{"path": path}],
                "preset": preset,
                "rate": rate,
                "duration": seconds,
                "max_requests": max_requests,
            }
        )
        plan = compile_plan(scenario, None)

        def run() -> dict[str, Any]:
            result = LoadRunner(plan, None, TargetMonitor([]), []).run()
            run_id = save_result(deps.store.engine, result)
            return {"run_id": run_id, **lean_load(result.to_payload(), max_points)}

        return await asyncio.to_thread(run)

    @tools.read
    async def load_results(
        run_id: Annotated[int | None, Field(ge=1, description="One run in full.")] = None,
        name: Annotated[str | None, Field(description="Only runs with this name.")] = None,
        limit: Limit = 20,
        max_points: MaxPoints = 60,
    ) -> dict[str, Any]:
        """Saved load test runs, newest first; with run_id, that run's results."""
        from warden.loadtest.storage import list_runs, load_document

        if run_id is not None:
            doc = await asyncio.to_thread(load_document, deps.store.engine, run_id)
            if doc is None:
                raise ValueError(f"no load test run {run_id} (see load_results)")
            return {"run_id": run_id, **lean_load(doc, max_points)}
        runs = await asyncio.to_thread(list_runs, deps.store.engine, name, limit)
        return {"runs": runs}

    @tools.read
    async def backup_status(
        backup: Annotated[str | None, Field(description="One backup (default: all).")] = None,
    ) -> dict[str, Any]:
        """Per backup: last success, age against the RPO, the last drill against the RTO."""
        from warden.backup.status import backup_status as status_of
        from warden.backup.views import status_json

        chosen = [backup_of(backup)] if backup else list(deps.config.backups)
        now = deps.now()
        got = await asyncio.to_thread(lambda: [status_of(b, now) for b in chosen])
        return {"backups": [status_json(s) for s in got]}

    @tools.read
    async def backup_list(
        backup: Annotated[str, Field(description="Backup name from the config.")],
        offset: Offset = 0,
        limit: Limit = 20,
    ) -> dict[str, Any]:
        """The backups in a repository, newest first (failed or damaged ones marked)."""
        from warden.backup.manifest import list_backups
        from warden.backup.restore import opened
        from warden.backup.views import entry_json

        cfg = backup_of(backup)

        def read() -> list[dict[str, Any]]:
            with opened(cfg, None) as (repo, key):
                return [entry_json(e) for e in list_backups(repo, cfg.name, key=key)]

        rows = await asyncio.to_thread(read)
        rows.sort(key=lambda r: -(r["started"] or 0))
        return page(rows, offset, limit, "backups")

    @tools.write()
    async def backup_run(
        backup: Annotated[str, Field(description="Backup name from the config.")],
    ) -> dict[str, Any]:
        """Run one configured backup now and record it (as `warden backup run`)."""
        from warden.backup import storage
        from warden.backup.runner import backup_once
        from warden.backup.views import run_json

        cfg = backup_of(backup)

        def run() -> dict[str, Any]:
            result = backup_once(cfg)
            storage.record_run(deps.store.engine, result)
            data = run_json(result)
            data["objects"] = len(data.get("objects") or [])
            return data

        return await asyncio.to_thread(run)

    @tools.write()
    async def backup_drill(
        backup: Annotated[str, Field(description="Backup name from the config.")],
    ) -> dict[str, Any]:
        """Restore the latest backup into a scratch target, check it, drop it, time it (as
        `warden dr drill`); recorded in the store."""
        from warden.backup import storage
        from warden.backup.drill import drill_once
        from warden.backup.views import drill_json

        cfg = backup_of(backup)

        def run() -> dict[str, Any]:
            result = drill_once(cfg)
            storage.record_drill(deps.store.engine, result)
            return drill_json(result)

        return await asyncio.to_thread(run)

    @tools.read
    async def gamedays(limit: Limit = 10) -> dict[str, Any]:
        """Past game days (failure drills) with their scorecards: time to detect, to
        acknowledge and to recover, and each expectation met or not."""
        from warden.gameday.storage import runs

        return {"runs": await asyncio.to_thread(runs, deps.store.engine, limit)}
