"""From evidence to hypotheses: each possible cause with a score, its evidence in numbers and
times, and what to do next.

The *onset* is the earliest change point of the monitor's latency or failing share. A cause
scores by how plausible it is for this kind of symptom (``BASE``), how strong its own change
is, how close in time it is to the onset (``exp(-|dt| / tau)``) and how close it is to the
monitor's target (``scope``: 1, or 0.5 for another server or service). A grown timing phase
(ttfb, a query) is a symptom as much as a cause: when something else changed at the same time
(CPU, connections, a deploy, the load), that something ranks above it.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from typing import Any

from warden.diagnose.changes import Change
from warden.diagnose.evidence import Evidence, Moved

BASE = {
    "dns": 0.9, "connect": 0.75, "tls": 0.95, "ttfb": 0.6, "transfer": 0.6, "query": 0.65,
    "cpu": 0.9, "memory": 0.7, "disk": 0.8, "connections": 0.9, "exhaustion": 1.0,
    "cache": 0.7, "queue": 0.6, "evictions": 0.6, "locks": 0.7, "load": 0.8, "deploy": 0.8,
    "config_reload": 0.6, "down": 0.85,
}  # fmt: skip
SYMPTOMS = {"ttfb", "transfer", "query"}
SQL = ("postgres", "mysql")
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
    "query": "the query itself got slower (a plan change, a missing or dropped index, a table "
    "that grew)",
}
RUNBOOK = {
    "cpu": "/runbooks/high-cpu", "memory": "/runbooks/memory", "disk": "/runbooks/disk-full",
    "connections": "/runbooks/connection-exhaustion",
    "exhaustion": "/runbooks/connection-exhaustion", "queue": "/runbooks/queue-backlog",
    "tls": "/runbooks/audit-tls", "ttfb": "/runbooks/slow-responses",
    "query": "/runbooks/slow-responses", "down": "/runbooks/monitor-down",
    "load": "/runbooks/ddos", "transfer": "/runbooks/slow-responses",
    "evictions": "/runbooks/memory",
}  # fmt: skip
AUDITED = {"query", "cache", "locks", "connections", "exhaustion", "tls", "ttfb", "evictions"}
# finding ids (parts) that bear on each kind of hypothesis
RELEVANT = {
    "query": ("missing_index", "slow_query", "invalid_index", "bloat", "dead_tuples",
              "stale_analyze", "full_scan", "no_good_index", "tmp_disk", "slow_commands",
              "keys_command", "blocked"),
    "locks": ("blocked", "long_running", "idle_in_transaction"),
    "cache": ("cache_hit", "hit_ratio", "buffer_pool", "evictions", "memory"),
    "evictions": ("evictions", "eviction_policy", "memory", "maxmemory"),
    "connections": ("connections", "idle_in_transaction", "pooler", "clients"),
    "exhaustion": ("connections", "idle_in_transaction", "pooler", "clients"),
    "tls": ("tls.",),
    "ttfb": ("slow_ttfb", "slow_load", "no_compression", "no_keep_alive", "no_http2"),
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
    return time.strftime("%H:%M UTC", time.gmtime(ts))


def _near(at: float, onset: float | None, tau: float) -> float:
    return 1.0 if onset is None else math.exp(-abs(at - onset) / tau)


def _strength(c: Change) -> float:
    return min(1.0, 0.4 + c.z / 20.0)


def _phases(ev: Evidence, onset: float | None, tau: float) -> list[Hypothesis]:
    out = []
    rise = (ev.latency.after - ev.latency.before) if ev.latency else 0.0
    for phase, c in ev.phases.items():
        if not c.rising:
            continue
        share = min(1.0, (c.after - c.before) / rise) if rise > 0 else 0.5
        cause = PHASE_TEXT[phase]
        if phase == "query" and ev.type not in SQL:
            cause = f"the {ev.type} server takes longer to answer the check's command"
        h = Hypothesis(cause, phase, BASE[phase] * max(share, 0.2)
                       * _strength(c) * _near(c.at, onset, tau), at=c.at)  # fmt: skip
        h.evidence.append(f"{phase} p50 rose from {_num(c.before, 's')} to {_num(c.after, 's')} "
                          f"at {_utc(c.at)}{_after_deploy(ev, c.at)} ({share:.0%} of the "
                          "latency increase)")  # fmt: skip
        out.append(h)
    lat = ev.latency
    if lat and lat.rising and not out and ev.type in SQL:  # no phase stored
        h = Hypothesis(PHASE_TEXT["query"], "query", BASE["query"] * _strength(lat), at=lat.at)
        rose = f"{_num(lat.before, 's')} to {_num(lat.after, 's')}"
        h.evidence.append(f"the check's p50 rose from {rose} at {_utc(lat.at)}"
                          f"{_after_deploy(ev, lat.at)}")  # fmt: skip
        out.append(h)
    return out


def _after_deploy(ev: Evidence, at: float) -> str:
    """ ", 3 min after the deploy marker 'v2.3'" when one went out in the 30 minutes before."""
    near = [m for m in ev.markers if m["kind"] != "config_reload" and at - 1800 <= m["at"] <= at]
    if not near:
        return ""
    m = near[-1]
    return (f", {round((at - m['at']) / 60)} min after the {m['kind']} marker "
            f"'{m['version'] or m['service']}'")  # fmt: skip


def _moved(m: Moved, onset: float | None, tau: float, what: str) -> Hypothesis:
    rel, c = m.related, m.change
    unit = "%" if rel.series.endswith("percent") else "ratio" if "ratio" in rel.series else ""
    cause = "the load grew" if rel.kind == "load" else f"{rel.what} changed at the same time"
    score = BASE[rel.kind] * _strength(c) * _near(c.at, onset, tau) * m.weight
    h = Hypothesis(cause, rel.kind, score, at=c.at)
    labels = ", ".join(f"{k}={v}" for k, v in sorted(m.labels.items()) if k != "collector")
    scope = "; ".join(x for x in (m.where, labels) if x)
    per = "/s" if rel.counter else ""
    moved = f"{_num(c.before, unit)}{per} to {_num(c.after, unit)}{per}"
    h.evidence.append(f"{rel.what}{f' ({scope})' if scope else ''} went from {moved} at "
                      f"{_utc(c.at)}{_lag(c.at, onset, what)}")  # fmt: skip
    return h


def _lag(at: float, onset: float | None, what: str) -> str:
    if onset is None:
        return ""
    minutes = round((at - onset) / 60)
    if minutes == 0:
        return f", with the {what}"
    return f", {abs(minutes)} min {'after' if minutes > 0 else 'before'} the {what}"


def _symptom(ev: Evidence, onset: float | None) -> str:
    """What began at the onset: "slowdown" or "errors"."""
    lat = ev.latency
    return "slowdown" if lat is not None and lat.rising and lat.at == onset else "errors"


def _failing(ev: Evidence, out: list[Hypothesis]) -> None:
    c = ev.failing
    if c is None or not c.rising:
        return
    exhausted = bool(EXHAUSTED.search(" ".join(ev.messages)))
    kind = "exhaustion" if exhausted else "down"
    cause = ("connections are exhausted: the server refuses new ones" if exhausted else
             "the target fails its checks")  # fmt: skip
    h = Hypothesis(cause, kind, BASE[kind] * _strength(c), at=c.at)
    h.evidence.append(f"failing checks went from {c.before:.0%} to {c.after:.0%} at {_utc(c.at)}")
    errors = ", ".join(f"{k} {n}" for k, n in sorted(ev.errors.items(), key=lambda x: -x[1]))
    if errors:
        h.evidence.append(f"errors since: {errors}")
    h.evidence += [f"message: {m}" for m in ev.messages[:2]]
    out.append(h)
    if exhausted:  # the connection gauges tell the same story: one hypothesis, not two
        for other in [o for o in out if o.kind == "connections"]:
            h.evidence += other.evidence
            out.remove(other)


def _markers(ev: Evidence, onset: float | None, tau: float, began: str) -> list[Hypothesis]:
    out = []
    for m in ev.markers:
        kind = "deploy" if m["kind"] in ("deploy", "rollback") else "config_reload"
        if onset is None or not (onset - 1800 <= m["at"] <= onset + 300):
            continue
        weight, whose = (1.0, "") if ev.scope is None else ev.scope.marker_weight(
            m["service"], kind)  # fmt: skip
        what = (f"{m['service']} {m['version']}".strip() if kind == "deploy"
                else "the config was reloaded")  # fmt: skip
        h = Hypothesis(f"a change went out: {what}", kind,
                       BASE[kind] * _near(m["at"], onset, tau) * weight, at=m["at"])  # fmt: skip
        minutes = (onset - m["at"]) / 60
        note = f" '{m['message']}'" if m.get("message") else ""
        whose = f" ({whose})" if whose else ""
        h.evidence.append(f"{m['kind']} marker{note}: {what}{whose} at {_utc(m['at'])}, "
                          f"{abs(minutes):.0f} min {'before' if minutes >= 0 else 'after'} the "
                          f"{began} began")  # fmt: skip
        if kind == "deploy":
            h.actions.append(f"compare with the previous version; roll back (`warden deploy list "
                             f"--service {m['service']}`)")  # fmt: skip
        else:
            h.actions.append("compare the config with the previous one (`git log -p warden.yaml`)")
        out.append(h)
    return out


def audit_command(ev: Evidence, kind: str) -> str | None:
    """The ``warden audit`` command that looks into a hypothesis of ``kind`` (secret-free)."""
    scope = ev.scope
    if kind == "tls" and scope is not None and scope.endpoint:
        return f"warden audit tls {scope.endpoint}"
    if ev.type in ("postgres", "mysql", "redis") and kind != "tls":
        return f"warden audit {ev.type} {ev.target}"
    if ev.type == "http" and kind in ("ttfb", "transfer"):
        return f"warden audit web {ev.target}"
    return None


def _findings(audit: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """The stored findings that bear on a hypothesis of ``kind``: the related ones first
    (any severity), then other serious ones; three at most."""
    words = RELEVANT.get(kind, ())
    order = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    got = [f for f in audit.get("findings", []) if isinstance(f, dict) and "id" in f]
    related = [f for f in got if any(w in f["id"] for w in words)]
    serious = [f for f in got if f not in related and order.get(f.get("severity", ""), 9) <= 1]
    return (sorted(related, key=lambda f: order.get(f.get("severity", ""), 9)) + serious)[:3]


def _audited(ev: Evidence, out: list[Hypothesis]) -> None:
    """Attach the stored audit findings of the target and suggest the audit to run."""
    for a in ev.audits:
        day = time.strftime("%Y-%m-%d", time.gmtime(a["at"]))
        for h in out:
            if h.kind not in AUDITED or (a.get("kind") == "tls") != (h.kind == "tls"):
                continue
            found = _findings(a, h.kind)
            h.evidence += [f"audit {a['audit']} ({day}): {f.get('title') or f['id']} "
                           f"({f.get('severity')})" for f in found]  # fmt: skip
            fix = next((f.get("fix") for f in found if any(
                w in f["id"] for w in RELEVANT.get(h.kind, ()))), None)  # fmt: skip
            if fix:
                h.actions.append(f"audit {a['audit']} says: {str(fix)[:300]}")
                if h.kind == "query":
                    h.score = min(1.0, h.score * 1.3)
    for h in out:
        if h.kind in RUNBOOK:
            book = RUNBOOK[h.kind]
            if h.kind == "query":
                book = f"/runbooks/audit-{ev.type}" if ev.type in (*SQL, "redis") else book
            h.actions.append(f"runbook: {book}")
        command = audit_command(ev, h.kind) if h.kind in AUDITED else None
        if command:
            h.actions.append(f"run `{command}`{_why(ev.type, h.kind)}")


def _why(probe: str, kind: str) -> str:
    if kind == "tls":
        return ""
    if kind in ("ttfb", "transfer"):
        return " for slow responses"
    if probe == "redis":
        return " for slow commands, memory and evictions"
    return " for slow queries and missing indexes"


def rank(ev: Evidence) -> tuple[float | None, list[Hypothesis]]:
    """The onset and the hypotheses, best first (at most 10)."""
    onset = min((c.at for c in (ev.latency, ev.failing) if c is not None), default=None)
    tau = max(3 * ev.step, 600.0)
    out = _phases(ev, onset, tau)
    what = _symptom(ev, onset)
    out += [_moved(m, onset, tau, what) for m in ev.related]
    _failing(ev, out)
    out += _markers(ev, onset, tau, what)
    if any(h.kind in CAUSES and h.score > 0.3 for h in out):
        for h in out:
            if h.kind in SYMPTOMS:
                h.score *= 0.5
                h.evidence.append("explained at least in part by a change ranked above it")
    _audited(ev, out)
    out.sort(key=lambda h: -h.score)
    return onset, out[:10]
