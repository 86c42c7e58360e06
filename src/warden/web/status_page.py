"""Public status pages: ``/status/<slug>`` (HTML) and ``/status/<slug>.json``.

Each configured page shows its components (a public name over some monitors) with their
current state (operational, under maintenance, degraded, partial outage, major outage) and 90
days of daily uptime; the incidents affecting them (open, and resolved in the last 7 days) and
the maintenance windows covering them (ongoing, and opening in the next 7 days). Only component
names, states, ratios, times, public incident statuses and maintenance descriptions leave: no
monitor names, targets, messages, incident titles or alert summaries.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from warden.alerting.config import MaintenanceConfig
from warden.alerting.muting import MaintenanceWindow
from warden.config.schema import MonitorBase
from warden.incidents.public import RECENT, incidents_affecting
from warden.report.jsonout import to_jsonable
from warden.web import views
from warden.web.config import StatusPageConfig
from warden.web.context import Web, json

DAYS = 90
CACHE_SECONDS = 30.0
AHEAD = 7 * 86400.0  # maintenance opening within this is listed as scheduled
PER_WINDOW = 5  # openings of one recurring window listed at most
LEVELS = ("operational", "under_maintenance", "degraded", "partial_outage", "major_outage")


def component_state(states: Sequence[str], maintained: int = 0) -> str:
    """The public state of a component from the states of its monitors outside maintenance;
    ``maintained`` of its monitors are inside an ongoing maintenance window."""
    if maintained:
        rest = component_state(states) if states else "operational"
        return "under_maintenance" if rest == "operational" else rest
    known = [s for s in states if s != "unknown"]
    if not known:
        return "operational" if not states else "degraded"
    downs = known.count("down")
    if downs == len(known):
        return "major_outage"
    if downs:
        return "partial_outage"
    return "degraded" if "degraded" in known else "operational"


def _merge_days(per_monitor: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    out = []
    for days in zip(*per_monitor, strict=True):
        n = sum(d["checks"] for d in days)
        ok = sum(d["up"] + d["degraded"] for d in days)
        out.append({"day": days[0]["day"], "ratio": ok / n if n else None})
    return out


def _components_of(page: StatusPageConfig, monitors: set[str] | frozenset[str]) -> list[str]:
    return [c.name for c in page.components if monitors.intersection(c.monitors)]


def maintenance_entries(
    page: StatusPageConfig,
    windows: Sequence[MaintenanceConfig],
    monitors: Mapping[str, MonitorBase],
    now: float,
) -> tuple[list[dict[str, Any]], set[str]]:
    """Windows covering the page's monitors, ongoing or opening within ``AHEAD`` (earliest
    first), and the page's monitors inside an ongoing one. A window covers a monitor when its
    matchers match the monitor's labels with ``monitor`` and ``group``, as for its alerts."""
    names = {n for c in page.components for n in c.monitors if n in monitors}
    out: list[dict[str, Any]] = []
    ongoing: set[str] = set()
    for cfg in windows:
        window = MaintenanceWindow.from_config(cfg)
        covered = {
            n
            for n in names
            if window.matches({**monitors[n].labels, "monitor": n, "group": monitors[n].group})
        }
        if not covered:
            continue
        components = _components_of(page, covered)
        for start, end in window.occurrences(now, now + AHEAD, PER_WINDOW):
            if start <= now:
                ongoing |= covered
            out.append(
                {
                    "status": "in_progress" if start <= now else "scheduled",
                    "description": cfg.description,
                    "components": components,
                    "start": start,
                    "end": end,
                }
            )
    out.sort(key=lambda e: (e["start"], e["end"]))
    return out, ongoing


async def incident_entries(web: Web, page: StatusPageConfig, now: float) -> list[dict[str, Any]]:
    """Public entries of the incidents affecting the page (see ``incidents.public``)."""
    names = {n for c in page.components for n in c.monitors}
    found = await asyncio.to_thread(incidents_affecting, web.engine, names, now, RECENT)
    return [
        {
            "id": i.id,
            "status": i.status,
            "impact": i.impact,
            "components": _components_of(page, i.monitors),
            "started": i.started,
            "updated": i.updated,
            "resolved": i.resolved,
        }
        for i in found
    ]


async def page_payload(web: Web, page: StatusPageConfig) -> dict[str, Any]:
    now = web.now()
    config = web.app.config
    names = sorted({m for c in page.components for m in c.monitors})
    days = await views.uptime_days(web, names, DAYS)
    by_name = {m.name: m for m in config.monitors}
    maintenance, maintained = maintenance_entries(page, config.maintenance, by_name, now)
    components = []
    for comp in page.components:
        states = [
            views.state_name(web.app.tracker.get(m)) for m in comp.monitors if m not in maintained
        ]
        history = _merge_days([days[m] for m in comp.monitors])
        n_ok = [d["ratio"] for d in history if d["ratio"] is not None]
        components.append(
            {
                "name": comp.name,
                "description": comp.description,
                "state": component_state(states, len(maintained.intersection(comp.monitors))),
                "uptime_90d": sum(n_ok) / len(n_ok) if n_ok else None,
                "days": history,
            }
        )
    worst = max((LEVELS.index(c["state"]) for c in components), default=0)
    return {
        "title": page.title,
        "description": page.description,
        "state": LEVELS[worst],
        "updated": now,
        "components": components,
        "incidents": await incident_entries(web, page, now),
        "maintenance": maintenance,
    }


def status_routes(web: Web) -> list[BaseRoute]:
    cache: dict[str, tuple[float, dict[str, Any]]] = {}

    def find(slug: str) -> StatusPageConfig:
        for page in web.app.config.status_pages:
            if page.slug == slug:
                return page
        raise HTTPException(404, f"no status page {slug!r}")

    async def payload(slug: str) -> dict[str, Any]:
        page = find(slug)
        hit = cache.get(slug)
        if hit is not None and web.app.clock.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
        got = await page_payload(web, page)
        cache[slug] = (web.app.clock.monotonic(), got)
        return got

    async def page_json(request: Request) -> Response:
        return json(await payload(request.path_params["slug"]))

    async def page_html(request: Request) -> Response:
        data = to_jsonable(await payload(request.path_params["slug"]))
        return web.templates.TemplateResponse(request, "status.html", {"page": data})

    return [
        Route("/status/{slug}.json", page_json),
        Route("/status/{slug}", page_html),
    ]
