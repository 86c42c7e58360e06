"""``diagnose``: the one function behind ``warden diagnose``, its API endpoint and MCP tool."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from warden.diagnose.evidence import Evidence, gather
from warden.diagnose.rank import Hypothesis, audit_command, rank

if TYPE_CHECKING:
    from warden.config.schema import WardenConfig
    from warden.store.protocol import Store

SCHEMA = "warden.diagnose/v1"


def _summary(ev: Evidence, onset: float | None, hypotheses: list[Hypothesis]) -> str:
    if ev.checks == 0:
        return "no check of this monitor is stored in the window"
    if onset is None:
        return "no change in latency or failures stands out in the window"
    if hypotheses:
        return f"most likely: {hypotheses[0].cause}"
    return "something changed, but nothing else stored changed with it"


def _next(ev: Evidence, hypotheses: list[Hypothesis]) -> list[str]:
    """The first actions of the best hypotheses, and the audit to run when none is stored."""
    out: list[str] = []
    for h in hypotheses[:3]:
        out += [a for a in h.actions[:2] if a not in out]
    if not ev.audits and hypotheses:
        command = audit_command(ev, hypotheses[0].kind) or audit_command(ev, "query")
        if command and not any(command in a for a in out):
            out.append(f"no audit of the target is stored: run `{command}`")
    return out[:6]


def diagnose(config: WardenConfig, store: Store, monitor: str, *, since: float,
             until: float) -> dict[str, Any]:  # fmt: skip
    """Why ``monitor`` got slow or started failing in ``[since, until)``: the onset, the
    ranked hypotheses with their evidence, and next actions (bounded, secret-free).

    ValueError (its message names the monitor and the known ones) for an unknown monitor or
    an empty window; the CLI exits 2 on it, the API answers 404, the MCP tool an error."""
    try:
        m = config.monitor(monitor)
    except KeyError:
        known = ", ".join(sorted(x.name for x in config.monitors)[:20]) or "none"
        raise ValueError(f"no monitor named {monitor!r} (known: {known})") from None
    if until <= since:
        raise ValueError("since must be before until")
    ev = gather(store, config, m, since, until)
    onset, hypotheses = rank(ev)
    symptoms = []
    if ev.latency is not None:
        symptoms.append({"what": "latency", **ev.latency.json()})
    if ev.failing is not None:
        symptoms.append({"what": "failing share", **ev.failing.json()})
    return {
        "monitor": m.name,
        "type": ev.type,
        "target": ev.target,
        "since": since,
        "until": until,
        "checks": ev.checks,
        "onset": onset,
        "summary": _summary(ev, onset, hypotheses),
        "symptoms": symptoms,
        "phases": {p: {"first": a, "last": b} for p, (a, b) in ev.phase_levels.items()},
        "hypotheses": [h.json() for h in hypotheses],
        "load": ev.load,
        "markers": ev.markers[-20:],
        "audits": [
            {"audit": a["audit"], "at": a["at"], "counts": a.get("counts")} for a in ev.audits
        ][:5],
        "next": _next(ev, hypotheses),
    }
