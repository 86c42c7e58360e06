"""The Markdown postmortem of an incident: what Warden measured, and prompts for the rest.

Impact (duration, affected monitors, failed checks, error budget spent) is measured from the
store. Root cause, contributing factors, lessons and action items are things Warden cannot
know: they are left as ``<!-- TODO(author): ... -->`` prompts, never invented.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from warden.alerting.config import SloConfig
from warden.alerting.slo import budget_spent, slo_monitors
from warden.config._types import format_duration
from warden.config.schema import MonitorBase
from warden.incidents.model import Incident, IncidentAlert, TimelineEvent
from warden.report import markdown as md
from warden.store.protocol import Store


def when(ts: float | None) -> str:
    if ts is None:
        return "-"
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def todo(what: str) -> str:
    return f"<!-- TODO(author): {what} -->"


@dataclass(frozen=True, slots=True)
class MonitorImpact:
    monitor: str
    checks: int
    failed: int
    uptime: float | None  # percent over the incident


@dataclass(frozen=True, slots=True)
class Impact:
    start: float
    end: float
    ongoing: bool
    monitors: list[MonitorImpact]
    budgets: dict[str, float | None]  # SLO name -> fraction of its window's budget spent


def measure(
    incident: Incident,
    alerts: Sequence[IncidentAlert],
    store: Store,
    monitors: Sequence[MonitorBase],
    slos: Sequence[SloConfig],
    now: float,
) -> Impact:
    start = min([incident.opened_at, *(a.first_at for a in alerts)])
    ends = [a.resolved_at for a in alerts]
    ongoing = incident.resolved_at is None and (not ends or any(e is None for e in ends))
    end = (
        now if ongoing else max([e for e in ends if e is not None] or [incident.resolved_at or now])
    )
    names = sorted({a.labels["monitor"] for a in alerts if a.labels.get("monitor")})
    impacts = []
    for name in names:
        up = store.uptime(name, start, end)
        ratio = up.ratio
        impacts.append(
            MonitorImpact(name, up.total, up.down, None if ratio is None else 100 * ratio)
        )
    budgets = {}
    for slo in slos:
        covered = set(slo_monitors(slo, monitors))
        slo_names = {a.labels.get("slo") for a in alerts}
        if covered & set(names) or slo.name in slo_names:
            budgets[slo.name] = budget_spent(store, slo, monitors, start, end)
    return Impact(start, end, ongoing, impacts, budgets)


def render(
    incident: Incident,
    timeline: Sequence[TimelineEvent],
    impact: Impact,
    actions: Sequence[Any] = (),
) -> str:
    duration = format_duration(round(max(0.0, impact.end - impact.start)))
    parts = [
        md.heading(f"Postmortem: incident #{incident.id}: {incident.title}", 1),
        md.bullets(
            [
                f"Severity: {incident.severity}",
                f"Status: {incident.status}",
                f"Detected: {when(incident.opened_at)}",
                f"Resolved: {when(incident.resolved_at)}",
                f"Acknowledged by: {incident.acked_by or '-'} at {when(incident.acked_at)}",
            ]
        ),
        md.heading("Summary"),
        todo("two or three sentences: what happened, who was affected, how it ended"),
        md.heading("Impact"),
        md.bullets(
            [
                f"Duration: {duration}" + (" (still ongoing)" if impact.ongoing else ""),
                f"From {when(impact.start)} to {when(impact.end)}",
                f"Affected monitors: {', '.join(m.monitor for m in impact.monitors) or 'none'}",
            ]
        ),
    ]
    if impact.monitors:
        parts.append(
            md.table(
                ["Monitor", "Checks", "Failed", "Uptime during incident"],
                [
                    [m.monitor, m.checks, m.failed, "-" if m.uptime is None else f"{m.uptime:.2f}%"]
                    for m in impact.monitors
                ],
            )
        )
    if impact.budgets:
        parts.append(
            md.table(
                ["SLO", "Error budget spent"],
                [
                    [name, "-" if spent is None else f"{100 * spent:.1f}% of the window's budget"]
                    for name, spent in sorted(impact.budgets.items())
                ],
            )
        )
    parts.append(todo("impact on users and the business (who noticed, what they could not do)"))
    parts.append(md.heading("Timeline"))
    parts.append(
        md.table(
            ["Time (UTC)", "Kind", "Who", "What"],
            [[when(e.at), e.kind, e.author, e.text] for e in timeline],
        )
    )
    notes = [e for e in timeline if e.kind == "note"]
    parts += [
        md.heading("Root cause"),
        todo("root cause: what failed and why; Warden only saw the symptoms above"),
        md.heading("Contributing factors"),
        todo("what made it worse or slower to detect and fix"),
        md.heading("Resolution"),
    ]
    if notes:
        parts.append("Notes taken during the incident:")
        parts.append(md.bullets(f"{when(n.at)} {n.author}: {n.text}" for n in notes))
    parts += [
        "**Immediate:** " + todo("what stopped the damage, and how it was verified"),
        "**Long-term:** " + todo("what keeps it from coming back"),
        md.heading("What went well"),
        todo("detection, response, tools that helped"),
        md.heading("What went wrong"),
        todo("what slowed detection or the fix; where we were lucky"),
        md.heading("Action items"),
        md.table(
            ["Action", "Owner", "Due", "Done"],
            [[a.text, a.owner or "-", when(a.due), when(a.done_at)] for a in actions]
            or [[todo("action (`warden incident action add`)"), "", "", ""]],
        ),
        md.heading("Prevention"),
        todo("the alert, test, limit or drill that catches this next time, and its owner"),
    ]
    return "\n\n".join(parts) + "\n"
