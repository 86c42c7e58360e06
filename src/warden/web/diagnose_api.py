"""``GET /api/v1/diagnose/{monitor}?since=&until=`` (viewer): the JSON of ``warden diagnose
--json`` (epoch seconds; the last 6 hours by default, 31 days at most)."""

from __future__ import annotations

import asyncio

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from warden.web.context import Web, bad, json, time_range
from warden.web.users import Role

MAX_SPAN = 31 * 86400.0  # as the MCP tool: the raw results of a month at most


def diagnose_routes(web: Web) -> list[BaseRoute]:
    @web.auth.guard(Role.VIEWER)
    async def one(request: Request) -> Response:
        from warden.diagnose.service import diagnose

        name = request.path_params["monitor"]
        since, until = time_range(request, web.now(), 6 * 3600.0)
        if until - since > MAX_SPAN:
            raise bad("the range may span at most 31 days")
        try:
            data = await asyncio.to_thread(
                diagnose, web.app.config, web.app.store, name, since=since, until=until
            )
        except ValueError as exc:
            raise HTTPException(404, str(exc)) from None
        return json(data)

    return [Route("/api/v1/diagnose/{monitor}", one)]
