"""The real-user monitoring page ``/rum``: p75 of LCP, INP, CLS and TTFB per page and device
class, rated good / needs improvement / poor, and their p75 over time (uPlot, drawn by
static/rum-page.js from the same ``warden.rum/v1`` report the API gives, embedded in the
page)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from warden.web.context import Web
from warden.web.pages import render_page
from warden.web.users import Role

WINDOWS = {"1h": 3600, "6h": 21600, "24h": 86400, "7d": 7 * 86400, "30d": 30 * 86400}
RATING_LOOK = {"good": "up", "needs-improvement": "degraded", "poor": "down"}
Report = Callable[[str | None, float, float], Awaitable[dict[str, Any]]]


def script_tag(web: Web, request: Request, site: str) -> str:
    """The line a site adds to its pages."""
    base = (web.app.config.server.external_url or str(request.base_url)).rstrip("/")
    return f'<script src="{base}/rum.js" data-site="{site}" async></script>'


def rum_page_routes(web: Web, report: Report) -> list[BaseRoute]:
    guard = web.auth.guard

    @guard(Role.VIEWER, page=True)
    async def page(request: Request) -> Response:
        window = request.query_params.get("window", "24h")
        if window not in WINDOWS:
            window = "24h"
        sites = [s.name for s in web.app.config.rum.sites]
        site = request.query_params.get("site")
        site = site if site in sites else None
        now = web.now()
        data = await report(site, now - WINDOWS[window], now + 1.0)
        return render_page(
            web,
            request,
            "rum.html",
            report=data,
            window=window,
            windows=list(WINDOWS),
            look=RATING_LOOK,
            site_config=web.app.config.rum.site(data["site"]) if data["site"] else None,
            snippet=script_tag(web, request, data["site"]) if data["site"] else "",
        )

    return [Route("/rum", page)]
