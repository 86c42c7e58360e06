"""Reports in the API: ``GET /api/v1/reports/daily?since=&until=`` (viewer), the JSON of
``warden report daily --json`` over the range (default: the last 24 hours), and
``GET /api/v1/reports/weekly?until=``, the scorecard of ``warden report weekly --json``, and
``GET /api/v1/ladder``, the reliability ladder of ``warden ladder --json``."""

from __future__ import annotations

import asyncio
from typing import cast

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from warden.web.context import Web, json, time_range
from warden.web.users import Role


def report_routes(web: Web) -> list[BaseRoute]:
    guard = web.auth.guard

    @guard(Role.VIEWER)
    async def daily(request: Request) -> Response:
        from warden.reports.daily import daily_report
        from warden.store import SqlStore

        since, until = time_range(request, web.now(), 86400.0)
        store = cast(SqlStore, web.app.store)  # the web app runs on the SQL store
        data = await asyncio.to_thread(daily_report, store, web.app.config, since, until)
        return json(data)

    @guard(Role.VIEWER)
    async def weekly(request: Request) -> Response:
        from warden.reports.weekly import weekly_report
        from warden.store import SqlStore
        from warden.web.context import param

        until = param(request, "until", float, web.now(), 0, 1e11)
        store = cast(SqlStore, web.app.store)
        return json(await asyncio.to_thread(weekly_report, store, web.app.config, until))

    @guard(Role.VIEWER)
    async def ladder(_: Request) -> Response:
        from warden.reports.ladder import ladder as build
        from warden.store import SqlStore

        store = cast(SqlStore, web.app.store)
        return json(await asyncio.to_thread(build, store, web.app.config, web.now()))

    return [
        Route("/api/v1/ladder", ladder),
        Route("/api/v1/reports/daily", daily),
        Route("/api/v1/reports/weekly", weekly),
    ]
