"""``GET /api/v1/diagnose/{monitor}?since=&until=`` (viewer): the JSON of ``warden diagnose
--json`` (epoch seconds; the last 6 hours by default)."""

from __future__ import annotations

import asyncio

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from warden.web.context import Web, json, time_range
from warden.web.users import Role


def diagnose_routes(web: Web) -> list[BaseRoute]:
    @web.auth.guard(Role.VIEWER)
    async def one(request: Request) -> Response:
        from warden.diagnose.service import diagnose
        from warden.store.sql import SqlStore

        name = request.path_params["monitor"]
        since, until = time_range(request, web.now(), 6 * 3600.0)
        store = web.app.store
        assert isinstance(store, SqlStore)  # the web app runs on the SQL store
        try:
            data = await asyncio.to_thread(
                diagnose, web.app.config, store, name, since=since, until=until
            )
        except ValueError as exc:
            raise HTTPException(404, str(exc)) from None
        return json(data)

    return [Route("/api/v1/diagnose/{monitor}", one)]
