"""SLOs in the API: ``/api/v1/slos`` and ``/api/v1/slos/{name}`` (viewer role).

The list gives each configured SLO's status in the shape of ``warden alerts slo --json``
(``alerting.slo.slo_json``); one SLO adds what its counts cover and its error-budget
history for charts. Figures come from the web app's ``SloBook`` (slo_data.py), which reads
the store in batches and keeps each answer for 30 seconds.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from warden.alerting.config import SloConfig
from warden.alerting.slo import slo_json
from warden.web.context import Web, json
from warden.web.slo_data import SloReport
from warden.web.users import Role


def find_slo(web: Web, name: str) -> SloConfig:
    """The configured SLO called ``name``; a 404 if there is none."""
    for slo in web.app.config.slos:
        if slo.name == name:
            return slo
    raise HTTPException(404, f"no SLO named {name!r}")


async def slo_reports(web: Web) -> list[SloReport]:
    cfg = web.app.config
    return await asyncio.to_thread(web.slos.reports, cfg.slos, cfg.monitors, web.now())


async def slo_detail(web: Web, slo: SloConfig) -> dict[str, Any]:
    """Status, coverage and error-budget history of one SLO (the detail endpoint's body)."""
    report = await asyncio.to_thread(web.slos.report, slo, web.app.config.monitors, web.now())
    return {
        "slo": slo_json(report.status),
        "coverage": report.coverage(),
        "history": report.history(),
    }


def slo_routes(web: Web) -> list[BaseRoute]:
    guard = web.auth.guard

    @guard(Role.VIEWER)
    async def slos(_: Request) -> Response:
        got = await slo_reports(web)
        return json({"time": web.now(), "slos": [slo_json(r.status) for r in got]})

    @guard(Role.VIEWER)
    async def slo(request: Request) -> Response:
        return json(await slo_detail(web, find_slo(web, request.path_params["name"])))

    return [
        Route("/api/v1/slos", slos),
        Route("/api/v1/slos/{name}", slo),
    ]
