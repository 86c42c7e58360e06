"""Real traffic in the API: ``/api/v1/traffic/top`` (viewer role), the slowest and most
erroring routes of the stored per-route history over a window, in the shape of ``warden traffic
top --json`` (schema ``warden.traffic.top/v1``)."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from warden.traffic.stats import SORTS
from warden.traffic.top import top_from_store
from warden.web.context import Web, bad, json, param, time_range
from warden.web.users import Role


def traffic_routes(web: Web) -> list[BaseRoute]:
    guard = web.auth.guard

    @guard(Role.VIEWER)
    async def top(request: Request) -> Response:
        since, until = time_range(request, web.now(), 3600.0)
        sort = request.query_params.get("sort") or "p95"
        if sort not in SORTS:
            raise bad(f"query parameter 'sort' must be one of {', '.join(SORTS)}")
        limit = param(request, "limit", int, 20, 1, 1000)
        service = request.query_params.get("service") or None
        data = await asyncio.to_thread(
            top_from_store, web.app.store, since, until, service=service, sort=sort, limit=limit
        )
        return json(data)

    return [Route("/api/v1/traffic/top", top)]
