"""Deploy freeze windows: whether a service may be deployed now, and which window says no."""

from __future__ import annotations

from typing import Any

from warden.alerting.muting import MaintenanceWindow


def active_freezes(config: Any, service: str, now: float) -> list[dict[str, Any]]:
    """The freeze windows of ``deploys.freezes`` open now for ``service`` (matchers are
    checked against ``{service: ...}``; a window without matchers freezes every service)."""
    out = []
    for c in config.deploys.freezes:
        window = MaintenanceWindow.from_config(c)
        if window.active(now) and window.matches({"service": service}):
            ends = next((end for start, end in window.occurrences(now, now + 1, 1)), None)
            out.append({"name": c.name, "until": ends, "description": c.description})
    return out
