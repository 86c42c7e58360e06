"""The traffic page ``/traffic``: each service's request rate and p95 over a window (charts
drawn by static/traffic.js from ``/api/v1/metrics/query``) and its routes ranked as ``warden
traffic top`` ranks them (rendered on the server from the stored per-route history)."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from warden.traffic.stats import SORTS
from warden.traffic.top import top_from_store
from warden.web.context import Web
from warden.web.pages import render_page
from warden.web.users import Role

WINDOWS = {"15m": 900, "1h": 3600, "6h": 21600, "24h": 86400, "7d": 7 * 86400}
LIMIT = 50


def _rows(routes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Routes with the width of their p95 bar (relative to the slowest shown)."""
    slowest = max((r["p95_ms"] or 0.0 for r in routes), default=0.0)
    return [{**r, "bar": (r["p95_ms"] or 0.0) / slowest * 100 if slowest else 0.0} for r in routes]


def traffic_page_routes(web: Web) -> list[BaseRoute]:
    guard = web.auth.guard

    @guard(Role.VIEWER, page=True)
    async def traffic(request: Request) -> Response:
        window = request.query_params.get("window", "1h")
        if window not in WINDOWS:
            window = "1h"
        sort = request.query_params.get("sort", "p95")
        if sort not in SORTS:
            sort = "p95"
        service = request.query_params.get("service") or None
        now = web.now()
        data = await asyncio.to_thread(
            top_from_store,
            web.app.store,
            now - WINDOWS[window],
            now + 1.0,
            service=service,
            sort=sort,
            limit=LIMIT,
        )
        return render_page(
            web,
            request,
            "traffic.html",
            top=data,
            routes=_rows(data["routes"]),
            window=window,
            windows=list(WINDOWS),
            seconds=WINDOWS[window],
            sort=sort,
            sorts=list(SORTS),
            service=service,
        )

    return [Route("/traffic", traffic)]
