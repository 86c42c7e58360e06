"""``diagnose``: the one function behind ``warden diagnose``, its API endpoint and MCP tool."""

from __future__ import annotations

from typing import Any

from warden.diagnose.evidence import gather
from warden.diagnose.rank import rank
from warden.store.sql import SqlStore

SCHEMA = "warden.diagnose/v1"


def _audit_command(config: Any, ev: Any) -> str | None:
    """The configured audit of the monitor's host to run, or the command for its kind."""
    if ev.audits:
        a = ev.audits[0]
        return f"warden audit {a['kind']} <the {a['audit']} target>  (configured as {a['audit']})"
    kind = {"postgres": "postgres", "mysql": "mysql", "redis": "redis", "http": "web",
            "tls": "tls"}.get(ev.type)  # fmt: skip
    return f"warden audit {kind} {ev.target}" if kind and ev.target else None


def diagnose(config: Any, store: SqlStore, monitor: str, *, since: float, until: float,
             ) -> dict[str, Any]:  # fmt: skip
    """Why ``monitor`` got slow or started failing in ``[since, until)``: the onset, the
    ranked hypotheses with their evidence, and next actions (bounded, secret-free)."""
    try:
        m = config.monitor(monitor)
    except KeyError:
        known = ", ".join(sorted(x.name for x in config.monitors)[:20]) or "none"
        raise ValueError(f"no monitor named {monitor!r} (known: {known})") from None
    if until <= since:
        raise ValueError("since must be before until")
    ev = gather(store, config, m, since, until)
    onset, hypotheses = rank(ev, _audit_command(config, ev))
    symptom = []
    if ev.latency is not None:
        symptom.append({"what": "latency", **ev.latency.json()})
    if ev.failing is not None:
        symptom.append({"what": "failing share", **ev.failing.json()})
    if ev.checks == 0:
        summary = "no check of this monitor is stored in the window"
    elif onset is None:
        summary = "no change in latency or failures stands out in the window"
    elif hypotheses:
        summary = f"most likely: {hypotheses[0].cause}"
    else:
        summary = "something changed, but nothing else stored changed with it"
    return {
        "monitor": m.name,
        "type": ev.type,
        "target": ev.target,
        "since": since,
        "until": until,
        "checks": ev.checks,
        "onset": onset,
        "summary": summary,
        "symptoms": symptom,
        "phases": {p: {"first": a, "last": b} for p, (a, b) in ev.phase_levels.items()},
        "hypotheses": [h.json() for h in hypotheses],
        "markers": ev.markers[-20:],
        "audits": [
            {"audit": a["audit"], "at": a["at"], "counts": a.get("counts")} for a in ev.audits
        ][:5],
    }
