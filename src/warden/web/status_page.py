"""Public status pages: ``/status/<slug>`` (HTML) and ``/status/<slug>.json``.

Each configured page shows its components (a public name over some monitors), their
current state (operational, degraded, partial outage, major outage) and 90 days of daily
uptime. Only component names, states and ratios leave: no monitor names, targets or
messages. Open incidents and maintenance windows are listed once the incidents area
provides them (empty lists until then).
"""

from __future__ import annotations

import time
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from warden.report.jsonout import to_jsonable
from warden.web import views
from warden.web.config import StatusPageConfig
from warden.web.context import Web, json

DAYS = 90
CACHE_SECONDS = 30.0
LEVELS = ("operational", "degraded", "partial_outage", "major_outage")


def component_state(states: list[str]) -> str:
    """The public state of a component from its monitors' states."""
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


async def page_payload(web: Web, page: StatusPageConfig) -> dict[str, Any]:
    names = sorted({m for c in page.components for m in c.monitors})
    days = await views.uptime_days(web, names, DAYS)
    components = []
    for comp in page.components:
        states = [views.state_name(web.app.tracker.get(m)) for m in comp.monitors]
        history = _merge_days([days[m] for m in comp.monitors])
        n_ok = [d["ratio"] for d in history if d["ratio"] is not None]
        components.append(
            {
                "name": comp.name,
                "description": comp.description,
                "state": component_state(states),
                "uptime_90d": sum(n_ok) / len(n_ok) if n_ok else None,
                "days": history,
            }
        )
    worst = max((LEVELS.index(c["state"]) for c in components), default=0)
    return {
        "title": page.title,
        "description": page.description,
        "state": LEVELS[worst],
        "updated": web.now(),
        "components": components,
        "incidents": [],
        "maintenance": [],
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
        if hit is not None and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
        got = await page_payload(web, page)
        cache[slug] = (time.monotonic(), got)
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
