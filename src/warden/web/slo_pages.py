"""The SLO pages: ``/slos`` (every SLO's status) and ``/slos/<name>`` (charts of the error
budget remaining and the burn rate over the SLO window, and the monitors it covers).

Both render their figures on the server, then static/slos.js keeps them current by polling
``/api/v1/slos`` (whose answers are cached for 30 seconds).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from warden.alerting.slo import BURN_WINDOWS, PAGE_RULES, TICKET_RULES, slo_json
from warden.config._types import format_duration
from warden.web.context import Web
from warden.web.pages import render_page
from warden.web.slo_api import find_slo, slo_detail, slo_reports
from warden.web.users import Role

MONITORS_SHOWN = 200


def _row(status: dict[str, Any]) -> dict[str, Any]:
    """An SLO's JSON status plus what the templates show as text."""
    remaining = status["budget_remaining"]
    return {
        **status,
        "window_text": format_duration(status["window"]),
        "latency_text": None if status["latency"] is None else format_duration(status["latency"]),
        "bar": None if remaining is None else max(0.0, min(1.0, remaining)) * 100,
    }


def slo_page_routes(web: Web) -> list[BaseRoute]:
    guard = web.auth.guard

    @guard(Role.VIEWER, page=True)
    async def slos(request: Request) -> Response:
        got = await slo_reports(web)
        rows = [_row(slo_json(r.status)) for r in got]
        return render_page(web, request, "slos.html", slos=rows, windows=list(BURN_WINDOWS))

    @guard(Role.VIEWER, page=True)
    async def slo(request: Request) -> Response:
        detail = await slo_detail(web, find_slo(web, request.path_params["name"]))
        return render_page(
            web,
            request,
            "slo.html",
            slo=_row(detail["slo"]),
            coverage=detail["coverage"],
            windows=list(BURN_WINDOWS),
            rules=[("page", r) for r in PAGE_RULES] + [("ticket", r) for r in TICKET_RULES],
            shown=MONITORS_SHOWN,
        )

    return [Route("/slos", slos), Route("/slos/{name}", slo)]
