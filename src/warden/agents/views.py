"""The JSON that the API (``/api/v1/agents...``) and ``warden agent status --json`` show: the
agents of every location, and a monitor's state and latency per location with the verdict."""

from __future__ import annotations

from typing import Any

from warden.agents.quorum import location_states, verdict
from warden.agents.repository import AgentRepository, LocationRow
from warden.config.schema import MonitorBase, WardenConfig


def agent_monitor(location: str) -> str:
    """The heartbeat monitor that goes down when the agent of ``location`` is silent."""
    return f"agent-{location}"


def used_locations(config: WardenConfig) -> list[str]:
    return sorted({loc for m in config.monitors if m.enabled for loc in m.locations})


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000.0, 3)


def agents_json(config: WardenConfig, repo: AgentRepository, now: float) -> dict[str, Any]:
    rows = repo.locations()
    silent_after = config.agents.silent_after
    out = []
    for loc in sorted(set(used_locations(config)) | set(rows)):
        row: LocationRow | None = rows.get(loc)
        monitors = [m.name for m in config.monitors if m.enabled and loc in m.locations]
        out.append(
            {
                "location": loc,
                "monitor": agent_monitor(loc),
                "silent": row is None or row.last_seen < now - silent_after,
                "last_seen": row.last_seen if row else None,
                "last_push": row.last_push if row else None,
                "clock_offset_ms": _ms(row.clock_offset) if row else None,
                "rtt_ms": _ms(row.rtt) if row else None,
                "address": row.address if row else "",
                "version": row.version if row else "",
                "buffered_batches": row.buffered if row else 0,
                "batches": row.batches if row else 0,
                "results": row.results if row else 0,
                "monitors": monitors,
            }
        )
    return {"silent_after_s": silent_after, "agents": out}


def monitor_json(
    config: WardenConfig, monitor: MonitorBase, repo: AgentRepository, now: float
) -> dict[str, Any]:
    latest = repo.latest([monitor.name]).get(monitor.name, {})
    states = location_states(monitor, latest, repo.locations(), now, config.agents.silent_after)
    state, down, known, need = verdict(monitor, states)
    return {
        "monitor": monitor.name,
        "quorum": monitor.quorum,
        "required": need,
        "state": state,
        "down": down,
        "known": known,
        "locations": [
            {
                "location": s.location,
                "state": s.state,
                "latency_ms": _ms(s.latency),
                "checked_at": s.checked_at,
                "message": s.message,
                "error": s.error,
                "why_unknown": s.why_unknown or None,
            }
            for s in states
        ],
    }
