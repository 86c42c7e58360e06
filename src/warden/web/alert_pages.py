"""The page of one alert, ``/alerts/<fingerprint>``: the link (``generatorURL``) every
notification carries. It shows the alert and why it is muted, its runbook, its history, the
silences that match it and its incidents, rendered on the server from the same JSON as
``GET /api/v1/alerts/<fingerprint>``; operators silence or unsilence it from there
(static/alert.js calls the silences API with the session's CSRF token).
"""

from __future__ import annotations

import asyncio

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from warden.alerting.detail import alert_detail
from warden.web.context import Web
from warden.web.pages import render_page
from warden.web.users import Role


def alert_page_routes(web: Web) -> list[BaseRoute]:
    @web.auth.guard(Role.VIEWER, page=True)
    async def alert(request: Request) -> Response:
        fp = request.path_params["fingerprint"]
        cfg = web.app.config
        detail = await asyncio.to_thread(
            alert_detail, web.engine, fp, cfg.maintenance, cfg.inhibit_rules, web.now()
        )
        if detail is None:
            raise HTTPException(
                404, f"no alert {fp!r} (it may have been forgotten after resolving)"
            )
        return render_page(web, request, "alert.html", d=detail, a=detail["alert"])

    return [Route("/alerts/{fingerprint}", alert)]
