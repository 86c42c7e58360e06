"""``warden report weekly``: the seven-point scorecard of a week, beside the week before,
and the postmortem action items still open (they show until they are done).

The seven points, each made of lines with a target and the actual value:

1. availability: uptime of the monitors (99.9 %);
2. performance: API p95 under 500 ms (stored traffic, else HTTP monitors), page load under
   3 s (browser checks);
3. security: no critical audit finding;
4. secrets: every secret of the ``secrets:`` inventory rotated within its maximum age;
5. cost: monthly spend within 10 % of the budget (FOCUS cost data);
6. recovery: the last successful backup under 24 h old, the last passed restore drill under
   30 days old;
7. documentation: every alert rule has a runbook, the architecture document is current.

A line without data says so and how to get it. A point passes when it has at least one line
with data and every line with data passes; "no data" never passes. The score is the points
passed out of 7: 7 excellent, 5 to 6 good (minor improvements), 3 to 4 warning (address soon), under
3 critical (urgent attention).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from warden.store import SqlStore

SCHEMA = "warden.report.weekly/v1"
WEEK = 7 * 86400.0
BANDS = ((7, "excellent"), (5, "good"), (3, "warning"), (0, "critical"))


def _line(name: str, target: str, actual: str | None, passed: bool | None,
          how: str | None = None) -> dict[str, Any]:  # fmt: skip
    return {"line": name, "target": target, "actual": actual if actual is not None else "no data",
            "passed": passed, "how": how if passed is None else None}  # fmt: skip


def _uptime(store: SqlStore, config: Any, since: float, until: float) -> dict[str, Any]:
    names = [m.name for m in config.monitors if m.enabled]
    got = store.uptimes(since, until, names) if names else {}
    total = sum(u.total for u in got.values())
    if not total:
        return _line("uptime", ">= 99.9%", None, None, "add monitors and run `warden up`")
    ratio = sum(u.up + u.degraded for u in got.values()) / total
    return _line("uptime", ">= 99.9%", f"{ratio:.3%}", ratio >= 0.999)


def _api_p95(store: SqlStore, config: Any, since: float, until: float) -> dict[str, Any]:
    from warden.traffic import buckets

    counts = buckets.window_counts(store, "http_route_duration_seconds", since, until)
    merged = counts.get((), {})
    p95 = buckets.quantile(0.95, merged) if merged else None
    source = "real requests"
    if p95 is None:
        names = [m.name for m in config.monitors if m.enabled and m.probe_type() == "http"]
        worst = [store.latency_quantiles(n, since, until, [0.95])[0.95] for n in names]
        known = [v for v in worst if v is not None]
        p95 = max(known) if known else None
        source = "slowest HTTP monitor"
    if p95 is None:
        return _line("API p95", "< 500 ms", None, None,
                     "add an access_log or prometheus collector, or HTTP monitors")  # fmt: skip
    return _line("API p95", "< 500 ms", f"{p95 * 1000:.0f} ms ({source})", p95 < 0.5)


def _critical(store: SqlStore, config: Any, since: float, until: float) -> dict[str, Any]:
    if not config.audits:
        return _line("critical vulnerabilities", "0", None, None,
                     "schedule audits (`audits:` with a schedule)")  # fmt: skip
    found = store.sample_points("audit_findings", since, until, {"severity": "critical"})
    latest = [max(s.points)[1] for s in found if s.points]
    if not latest:
        return _line("critical vulnerabilities", "0", None, None, "give each audit a schedule")
    n = round(sum(latest))
    return _line("critical vulnerabilities", "0", str(n), n == 0)


def _secrets(config: Any, until: float) -> dict[str, Any]:
    inventory = config.secrets
    if not inventory:
        how = "list your secrets under `secrets:` (name, last_rotated, max_age)"
        return _line("secret rotation", "all within their maximum age", None, None, how)
    late = [s.name for s in inventory if until - s.rotated_at() > s.max_age]
    actual = "all current" if not late else f"overdue: {', '.join(late)}"
    return _line("secret rotation", "all within their maximum age", actual, not late)


def _backups(store: SqlStore, config: Any, until: float) -> list[dict[str, Any]]:
    from warden.backup import storage

    backups = [b for b in config.backups if b.enabled]
    if not backups:
        how = "add a `backups:` section (docs/backup.md)"
        return [_line("last successful backup", "< 24 h", None, None, how),
                _line("last tested restore", "< 30 days", None, None, how)]  # fmt: skip
    ages, drills = [], []
    for b in backups:
        runs = [r for r in storage.recent_runs(store.engine, b.name, 200)
                if r["status"] == "complete" and r["finished"] <= until]  # fmt: skip
        ages.append(until - runs[0]["finished"] if runs else None)
        passed = [d for d in storage.recent_drills(store.engine, b.name, 50)
                  if d["status"] == "passed" and d["finished"] <= until]  # fmt: skip
        drills.append(until - passed[0]["finished"] if passed else None)
    worst = None if None in ages else max(a for a in ages if a is not None)
    if worst is None:
        backup = _line("last successful backup", "< 24 h", "never (a backup has none)", False)
    else:
        backup = _line("last successful backup", "< 24 h", f"{worst / 3600:.1f} h",
                       worst < 86400)  # fmt: skip
    worst_drill = None if None in drills else max(d for d in drills if d is not None)
    restore = (_line("last tested restore", "< 30 days", None, None,
                     "schedule restore drills (`drill: {schedule: ...}`)")
               if worst_drill is None else
               _line("last tested restore", "< 30 days", f"{worst_drill / 86400:.1f} days",
                     worst_drill < 30 * 86400))  # fmt: skip
    return [backup, restore]


def _runbooks(config: Any) -> dict[str, Any]:
    from warden.alerting.builtin import effective_rules

    rules = [r for r in effective_rules(config.alerts, config.alerting.builtin_rules) if r.enabled]
    if not rules:
        return _line("runbooks current", "every rule has one", None, None, "add alert rules")
    missing = [r.name for r in rules if not r.runbook]
    actual = "all rules" if not missing else f"{len(missing)} of {len(rules)} rules without one"
    return _line("runbooks current", "every rule has one", actual, not missing)


def scorecard(store: SqlStore, config: Any, since: float, until: float) -> dict[str, Any]:
    """The seven points of ``[since, until)``."""
    points = [
        ("availability", [_uptime(store, config, since, until)]),
        ("performance", [_api_p95(store, config, since, until),
                         _line("page load", "< 3 s", None, None,
                               "browser checks are not available yet")]),
        ("security", [_critical(store, config, since, until)]),
        ("secrets", [_secrets(config, until)]),
        ("cost", [_line("monthly spend vs budget", "within 10%", None, None,
                        "cost data (FOCUS bills) is not available yet")]),
        ("recovery", _backups(store, config, until)),
        ("documentation", [_runbooks(config),
                           _line("architecture document", "current", None, None,
                                 "how current a published `warden doc` is, is not tracked "
                                 "yet")]),
    ]  # fmt: skip
    rows: list[dict[str, Any]] = []
    for name, lines in points:
        known = [x for x in lines if x["passed"] is not None]
        passed = bool(known) and all(x["passed"] for x in known)
        rows.append({"point": name, "passed": passed, "has_data": bool(known), "lines": lines})
    score = sum(1 for r in rows if r["passed"])
    band = next(b for floor, b in BANDS if score >= floor)
    return {"from": _iso(since), "to": _iso(until), "score": score, "out_of": 7, "band": band,
            "points": rows}  # fmt: skip


def weekly_report(store: SqlStore, config: Any, until: float) -> dict[str, Any]:
    """This week's scorecard and last week's beside it."""
    from warden.incidents.actions import items

    this = scorecard(store, config, until - WEEK, until)
    last = scorecard(store, config, until - 2 * WEEK, until - WEEK)
    open_items = [a.json(until) for a in items(store.engine, open_only=True)]
    return {"schema": SCHEMA, "this_week": this, "last_week": last,
            "change": this["score"] - last["score"], "open_action_items": open_items}  # fmt: skip


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="seconds")
