"""Game days in the dashboard and the API: ``/gamedays`` (every run with its scorecard) and
``GET /api/v1/gamedays`` (the JSON of ``warden gameday list --json``)."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from warden.web.context import Web, json, param
from warden.web.pages import render_page
from warden.web.users import Role


def gameday_routes(web: Web) -> list[BaseRoute]:
    guard = web.auth.guard

    @guard(Role.VIEWER)
    async def api(request: Request) -> Response:
        from warden.gameday.storage import runs

        limit = param(request, "limit", int, 20, 1, 200)
        return json({"runs": await asyncio.to_thread(runs, web.engine, limit)})

    @guard(Role.VIEWER, page=True)
    async def page(request: Request) -> Response:
        from warden.gameday.storage import runs

        got = await asyncio.to_thread(runs, web.engine, 50)
        return render_page(web, request, "gamedays.html", runs=got)

    return [Route("/api/v1/gamedays", api), Route("/gamedays", page)]
