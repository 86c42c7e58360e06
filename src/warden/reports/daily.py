"""``warden report daily``: the morning check of the last 24 hours, every number from the store.

Sections (each ``ok``, ``attention`` or ``no data``; no data says how to get it and never
counts as passed): alerts fired and resolved, incidents opened and closed, SLO budget burned,
the least available and slowest monitors with the biggest changes since the day before,
backups (last success, failures, missed schedules) and drills, peak resource use and the
capacity forecasts at risk, and new audit findings. One JSON shape (schema
``warden.report.daily/v1``) that the renderers (``reports/render.py``) turn into text,
Markdown and HTML.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import Any

from croniter import croniter
from sqlalchemy import select

from warden.store import SqlStore

SCHEMA = "warden.report.daily/v1"
TOP = 5


def _iso(ts: float | None) -> str | None:
    return (
        None if ts is None else dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="seconds")
    )


def _section(status: str, summary: str, how: str | None = None, **data: Any) -> dict[str, Any]:
    return {"status": status, "summary": summary, "how": how, **data}


def _no_data(summary: str, how: str) -> dict[str, Any]:
    return _section("no data", summary, how)


def alerts_section(store: SqlStore, since: float, until: float) -> dict[str, Any]:
    from warden.alerting import tables as t

    rows = []
    with store.engine.connect() as conn:
        for r in conn.execute(select(t.alert_instances)):
            rows.append(r)
    fired = [r for r in rows if r.starts_at is not None and since <= r.starts_at < until]
    resolved = [r for r in rows if r.ends_at is not None and since <= r.ends_at < until]
    firing = [r for r in rows if r.state == "firing"]
    by_rule = Counter(r.rule for r in fired)
    status = "attention" if firing or any(r.severity == "critical" for r in fired) else "ok"
    return _section(
        status,
        f"{len(fired)} fired, {len(resolved)} resolved, {len(firing)} firing now",
        fired=len(fired),
        resolved=len(resolved),
        firing_now=[
            {
                "rule": r.rule,
                "severity": r.severity,
                "since": _iso(r.starts_at),
                "labels": json.loads(r.labels),
            }
            for r in firing
        ][:20],
        by_rule=[{"rule": k, "fired": v} for k, v in by_rule.most_common(10)],
    )


def incidents_section(store: SqlStore, since: float, until: float) -> dict[str, Any]:
    from warden.incidents.storage import IncidentRepository

    repo = IncidentRepository(store.engine)
    seen = repo.list_incidents(since=since, until=until, limit=500)
    opened = [i for i in seen if since <= i.opened_at < until]
    closed = [i for i in seen if i.resolved_at is not None and since <= i.resolved_at < until]
    still = [i for i in seen if i.is_open]
    return _section(
        "attention" if still else "ok",
        f"{len(opened)} opened, {len(closed)} closed, {len(still)} open",
        opened=len(opened),
        closed=len(closed),
        open=[
            {
                "id": i.id,
                "title": i.title,
                "severity": i.severity,
                "status": i.status,
                "opened_at": _iso(i.opened_at),
            }
            for i in still
        ][:20],
    )


def slo_section(store: SqlStore, config: Any, since: float, until: float) -> dict[str, Any]:
    from warden.alerting.slo import budget_spent, slo_status

    if not config.slos:
        return _no_data("no SLOs", "add an `slos:` section to warden.yaml (docs/alerting.md)")
    rows = []
    for slo in config.slos:
        spent = budget_spent(store, slo, config.monitors, since, until)
        st = slo_status(store, slo, config.monitors, until)
        rows.append({"name": slo.name, "objective": slo.objective, "budget_burned": spent,
                     "budget_remaining": st.budget_remaining, "sli": st.sli})  # fmt: skip
    known = [r for r in rows if r["budget_burned"] is not None]
    if not known:
        return _no_data("no SLO has events in its window yet", "let `warden up` run")
    worst = max(known, key=lambda r: r["budget_burned"])
    status = "attention" if any(
        (r["budget_remaining"] is not None and r["budget_remaining"] < 0)
        or r["budget_burned"] > 1 / 30 * 3  # three days' worth of a 30-day budget in one day
        for r in known
    ) else "ok"  # fmt: skip
    return _section(status, f"most burned: {worst['name']} ({worst['budget_burned']:.1%} of "
                            "its budget)", slos=rows)  # fmt: skip


def monitors_section(store: SqlStore, config: Any, since: float, until: float) -> dict[str, Any]:
    names = [m.name for m in config.monitors if m.enabled]
    if not names:
        return _no_data("no monitors", "add monitors to warden.yaml (`warden init` suggests some)")
    span = until - since
    now, before = store.uptimes(since, until, names), store.uptimes(since - span, since, names)
    rows = []
    for name in names:
        up = now.get(name)
        if up is None or not up.total:
            continue
        p95 = store.latency_quantiles(name, since, until, [0.95])[0.95]
        prev = before.get(name)
        prev_p95 = store.latency_quantiles(name, since - span, since, [0.95])[0.95]
        rows.append({
            "monitor": name, "checks": up.total, "availability": up.ratio, "p95_ms":
            None if p95 is None else round(p95 * 1000, 3),
            "availability_before": prev.ratio if prev and prev.total else None,
            "p95_ms_before": None if prev_p95 is None else round(prev_p95 * 1000, 3),
        })  # fmt: skip
    if not rows:
        return _no_data("no checks in the period", "run `warden up` so that monitors are checked")
    least = sorted(rows, key=lambda r: (r["availability"] or 0.0, r["monitor"]))[:TOP]
    slowest = sorted(rows, key=lambda r: -(r["p95_ms"] or 0.0))[:TOP]

    def change(r: dict[str, Any]) -> float:
        a = abs((r["availability"] or 0) - (r["availability_before"] or r["availability"] or 0))
        p, q = r["p95_ms"], r["p95_ms_before"]
        ratio = abs(p / q - 1) if p and q else 0.0
        return float(max(a * 100, ratio))

    changes = [r for r in sorted(rows, key=change, reverse=True) if change(r) > 0][:TOP]
    down = [r for r in rows if (r["availability"] or 0) < 0.999]
    return _section(
        "attention" if down else "ok",
        f"{len(rows)} monitors checked; lowest availability {least[0]['monitor']} "
        f"{(least[0]['availability'] or 0):.3%}",
        least_available=least, slowest=slowest, biggest_changes=changes,
    )  # fmt: skip


def _expected_runs(cron: str, since: float, until: float) -> int:
    it = croniter(cron, dt.datetime.fromtimestamp(since, dt.UTC))
    n = 0
    while it.get_next(dt.datetime).timestamp() < until and n < 10_000:
        n += 1
    return n


def backups_section(store: SqlStore, config: Any, since: float, until: float) -> dict[str, Any]:
    from warden.backup import storage

    backups = [b for b in config.backups if b.enabled]
    if not backups:
        return _no_data("no backups", "add a `backups:` section (docs/backup.md)")
    rows, attention = [], False
    for b in backups:
        runs = storage.recent_runs(store.engine, b.name, limit=500)
        good = [r for r in runs if r["status"] == "complete"]
        in_window = [r for r in runs if since <= r["started"] < until]
        failed = [r for r in in_window if r["status"] != "complete"]
        expected = _expected_runs(b.schedule, since, until) if b.schedule else None
        missed = max(0, expected - len(in_window)) if expected is not None else None
        drills = storage.recent_drills(store.engine, b.name, limit=50)
        last_drill = next((d for d in drills if d["status"] == "passed"), None)
        row = {
            "backup": b.name,
            "last_success": _iso(good[0]["finished"]) if good else None,
            "runs": len(in_window), "failed": len(failed), "expected": expected,
            "missed": missed,
            "last_drill_passed": _iso(last_drill["finished"]) if last_drill else None,
        }  # fmt: skip
        if not good or failed or missed or good[0]["finished"] < until - 86400 * 1.1:
            attention = True
        rows.append(row)
    return _section("attention" if attention else "ok",
                    f"{sum(1 for r in rows if r['last_success'])} of {len(rows)} backups have "
                    "a success", backups=rows)  # fmt: skip


_PEAKS = (
    ("cpu", "host_cpu_percent", {"cpu": "total"}),
    ("memory", "host_memory_used_percent", None),
    ("disk", "host_disk_used_percent", None),
)


def resources_section(store: SqlStore, config: Any, since: float, until: float) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    for kind, series, labels in _PEAKS:
        for s in store.sample_points(series, since, until, labels):
            if s.points:
                top = max(s.points, key=lambda p: p[1])
                where = s.labels.get("mount") or s.labels.get("host") or ""
                rows.append({"resource": kind, "where": where, "peak_percent": round(top[1], 2),
                             "at": _iso(top[0])})  # fmt: skip
    from warden.capacity.report import capacity_report

    risks = [
        {"resource": r["name"], "risk": r["risk"], "full_in_seconds":
         (r["full_100"] or {}).get("in_seconds")}
        for r in capacity_report(store.engine, config.capacity, until)["resources"]
        if r["risk"] in ("critical", "warning")
    ]  # fmt: skip
    if not rows and not risks:
        return _no_data("no resource samples", "add a `host` collector to warden.yaml")
    hot = [r for r in rows if r["peak_percent"] >= 90]
    return _section("attention" if hot or risks else "ok",
                    f"{len(rows)} resources, {len(hot)} peaked at 90% or more, "
                    f"{len(risks)} forecast at risk", peaks=rows, at_risk=risks)  # fmt: skip


def audits_section(store: SqlStore, config: Any, since: float, until: float) -> dict[str, Any]:
    if not config.audits:
        return _no_data("no scheduled audits", "add an `audits:` section (docs/audit.md)")
    found = store.sample_sums("audit_new_findings", since, until)
    if not found:
        return _no_data("no audit ran in the period", "give each audit a `schedule`")
    counts: dict[str, int] = {}
    for s in found:
        counts[s.labels.get("audit", "")] = counts.get(s.labels.get("audit", ""), 0) + round(
            s.total
        )
    rows = [{"audit": a, "new_findings": n} for a, n in sorted(counts.items())]
    new = sum(counts.values())
    return _section("attention" if new else "ok", f"{new} new findings", audits=rows)


SECTIONS = ("alerts", "incidents", "slos", "monitors", "backups", "resources", "audits")


def daily_report(store: SqlStore, config: Any, since: float, until: float) -> dict[str, Any]:
    """The report of ``[since, until)``: every section, and the day's overall status."""
    sections = {
        "alerts": alerts_section(store, since, until),
        "incidents": incidents_section(store, since, until),
        "slos": slo_section(store, config, since, until),
        "monitors": monitors_section(store, config, since, until),
        "backups": backups_section(store, config, since, until),
        "resources": resources_section(store, config, since, until),
        "audits": audits_section(store, config, since, until),
    }
    states = Counter(s["status"] for s in sections.values())
    return {
        "schema": SCHEMA,
        "from": _iso(since),
        "to": _iso(until),
        "status": "attention" if states["attention"] else "ok",
        "counts": dict(states),
        "sections": sections,
    }
