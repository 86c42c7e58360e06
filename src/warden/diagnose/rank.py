"""From evidence to hypotheses: each possible cause with a score, its evidence in numbers and
times, and what to do next.

The *onset* is the earliest change point of the monitor's latency or failing share. A cause
scores by how plausible it is for this kind of symptom (``BASE``), how strong its own change
is, and how close in time it is to the onset (``exp(-|dt| / tau)``). A grown timing phase
(ttfb, a query) is a symptom as much as a cause: when something else changed at the same time
(CPU, connections, a deploy, the load), that something ranks above it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from warden.diagnose.changes import Change
from warden.diagnose.evidence import Evidence

BASE = {
    "dns": 0.9, "connect": 0.75, "tls": 0.95, "ttfb": 0.6, "transfer": 0.6, "query": 0.65,
    "cpu": 0.9, "memory": 0.7, "disk": 0.8, "connections": 0.9, "exhaustion": 1.0,
    "cache": 0.7, "queue": 0.6, "evictions": 0.6, "locks": 0.7, "load": 0.8, "deploy": 0.8,
    "config_reload": 0.6, "down": 0.85,
}  # fmt: skip
SYMPTOMS = {"ttfb", "transfer", "query"}
CAUSES = {"cpu", "memory", "disk", "connections", "exhaustion", "load", "deploy", "locks"}
EXHAUSTED = re.compile(
    r"too many (connections|clients)|remaining connection slots|connection limit|"
    r"max_connections|max number of clients|too many open files", re.IGNORECASE)  # fmt: skip
PHASE_TEXT = {
    "dns": "name resolution (DNS) got slower",
    "connect": "connecting got slower: the network, or the server's accept queue is full",
    "tls": "the TLS handshake got slower (the TLS terminator or proxy in front of the app)",
    "ttfb": "the server takes longer to answer (the application or what it waits on)",
    "transfer": "responses take longer to transfer (bigger bodies or less bandwidth)",
}
RUNBOOK = {
    "cpu": "/runbooks/high-cpu", "memory": "/runbooks/memory", "disk": "/runbooks/disk-full",
    "connections": "/runbooks/connection-exhaustion",
    "exhaustion": "/runbooks/connection-exhaustion", "queue": "/runbooks/queue-backlog",
    "tls": "/runbooks/audit-tls", "ttfb": "/runbooks/slow-responses",
    "query": "/runbooks/audit-postgres", "down": "/runbooks/monitor-down",
    "load": "/runbooks/ddos", "transfer": "/runbooks/slow-responses",
}  # fmt: skip


@dataclass
class Hypothesis:
    cause: str
    kind: str
    score: float
    evidence: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    at: float | None = None

    def json(self) -> dict[str, Any]:
        return {"cause": self.cause, "kind": self.kind, "score": round(self.score, 3),
                "at": self.at, "evidence": self.evidence[:8], "next": self.actions[:5]}  # fmt: skip


def _num(v: float, unit: str) -> str:
    if unit == "s":
        return f"{v * 1000:.1f} ms" if abs(v) < 10 else f"{v:.1f} s"
    if unit == "%":
        return f"{v:.1f}%"
    if unit == "ratio":
        return f"{v:.1%}"
    return f"{v:.3g}"


def _utc(ts: float) -> str:
    import time

    return time.strftime("%H:%M UTC", time.gmtime(ts))


def _near(at: float, onset: float | None, tau: float) -> float:
    return 1.0 if onset is None else math.exp(-abs(at - onset) / tau)


def _strength(c: Change) -> float:
    return min(1.0, 0.4 + c.z / 20.0)


def rank(ev: Evidence, audit_command: str | None) -> tuple[float | None, list[Hypothesis]]:
    onset = min((c.at for c in (ev.latency, ev.failing) if c is not None), default=None)
    tau = max(3 * ev.step, 600.0)
    out: list[Hypothesis] = []
    rise = (ev.latency.after - ev.latency.before) if ev.latency else 0.0
    for phase, c in ev.phases.items():
        if not c.rising:
            continue
        share = min(1.0, (c.after - c.before) / rise) if rise > 0 else 0.5
        h = Hypothesis(PHASE_TEXT[phase], phase, BASE[phase] * max(share, 0.2)
                       * _strength(c) * _near(c.at, onset, tau), at=c.at)  # fmt: skip
        h.evidence.append(f"{phase} rose from {_num(c.before, 's')} to {_num(c.after, 's')} at "
                          f"{_utc(c.at)} ({share:.0%} of the latency increase)")  # fmt: skip
        out.append(h)
    if ev.latency and ev.latency.rising and not ev.phases and ev.type in ("postgres", "mysql"):
        c = ev.latency
        cause = ("the query itself got slower (a plan change, a missing or dropped index, a "
                 "table that grew)")  # fmt: skip
        h = Hypothesis(cause, "query", BASE["query"] * _strength(c), at=c.at)
        h.evidence.append(f"the query's time rose from {_num(c.before, 's')} to "
                          f"{_num(c.after, 's')} at {_utc(c.at)}")  # fmt: skip
        out.append(h)
    for rel, labels, c in ev.related:
        where = ", ".join(f"{k}={v}" for k, v in sorted(labels.items()) if k != "collector")
        unit = "%" if rel.series.endswith("percent") else "ratio" if "ratio" in rel.series else ""
        h = Hypothesis(f"{rel.what} changed at the same time" if rel.kind != "load" else
                       "the load grew", rel.kind, BASE[rel.kind] * _strength(c)
                       * _near(c.at, onset, tau), at=c.at)  # fmt: skip
        scope = f" ({where})" if where else ""
        moved = f"{_num(c.before, unit)} to {_num(c.after, unit)}"
        h.evidence.append(f"{rel.what}{scope} went from {moved} at {_utc(c.at)}")
        out.append(h)
    text = " ".join(ev.messages)
    if ev.failing and ev.failing.rising:
        c = ev.failing
        exhausted = bool(EXHAUSTED.search(text))
        kind = "exhaustion" if exhausted else "down"
        cause = ("connections are exhausted: the server refuses new ones" if exhausted else
                 "the target fails its checks")  # fmt: skip
        h = Hypothesis(cause, kind, BASE[kind] * _strength(c), at=c.at)
        h.evidence.append(f"failing checks went from {c.before:.0%} to {c.after:.0%} at "
                          f"{_utc(c.at)}")  # fmt: skip
        errors = ", ".join(f"{k} {n}" for k, n in sorted(ev.errors.items(), key=lambda x: -x[1]))
        if errors:
            h.evidence.append(f"errors since: {errors}")
        h.evidence += [f"message: {m}" for m in ev.messages[:2]]
        out.append(h)
        if exhausted:  # the connection gauges tell the same story: one hypothesis, not two
            for other in [o for o in out if o.kind == "connections"]:
                h.evidence += other.evidence
                out.remove(other)
    for m in ev.markers:
        kind = "deploy" if m["kind"] in ("deploy", "rollback") else "config_reload"
        if onset is None or not (onset - 1800 <= m["at"] <= onset + 300):
            continue
        what = (f"{m['service']} {m['version']}".strip() if kind == "deploy"
                else "the config was reloaded")  # fmt: skip
        h = Hypothesis(f"a change went out: {what}", kind, BASE[kind] * _near(m["at"], onset, tau),
                       at=m["at"])  # fmt: skip
        minutes = (onset - m["at"]) / 60
        note = f" ({m['message']})" if m.get("message") else ""
        h.evidence.append(f"{m['kind']} {what} at {_utc(m['at'])}, {minutes:.0f} min before "
                          f"the change{note}")  # fmt: skip
        h.actions.append(f"compare with the previous version; roll back (`warden deploy list "
                         f"--service {m['service']}`)")  # fmt: skip
        out.append(h)
    if any(h.kind in CAUSES and h.score > 0.3 for h in out):
        for h in out:
            if h.kind in SYMPTOMS:
                h.score *= 0.5
                h.evidence.append("explained at least in part by the change ranked above it")
    for a in ev.audits:
        serious = ("critical", "high", "medium")
        worst = [f for f in a.get("findings", []) if f.get("severity") in serious][:3]
        for h in out:
            if h.kind in ("query", "ttfb", "cache", "locks", "tls"):
                h.evidence += [f"audit {a['audit']}: {f.get('title') or f.get('id')} "
                               f"({f['severity']})" for f in worst]  # fmt: skip
                if worst and h.kind == "query":
                    h.score = min(1.0, h.score * 1.3)
    for h in out:
        if h.kind in RUNBOOK:
            h.actions.append(f"runbook: {RUNBOOK[h.kind]}")
        if (
            h.kind in ("query", "cache", "locks", "connections", "exhaustion", "tls")
            and audit_command
        ):
            why = "" if h.kind == "tls" else " for slow queries and missing indexes"
            h.actions.append(f"run `{audit_command}`{why}")
    out.sort(key=lambda h: -h.score)
    return onset, out[:10]
