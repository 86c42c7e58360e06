"""The dashboard's HTML pages: login, overview, one monitor; charts are drawn by uPlot.

Pages render their first data on the server (they read fine without JavaScript) and then
poll the API for live updates; forms and fetches carry the session's CSRF token.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from warden.alerting.storage import AlertRepository
from warden.alerting.views import alert_json, firing_muted
from warden.incidents.model import OPEN_STATUSES
from warden.incidents.storage import IncidentRepository
from warden.incidents.views import incident_json
from warden.web import views
from warden.web.context import Web, param
from warden.web.paging import pager
from warden.web.users import Role

PAGE_SIZE = 100


def _safe_next(target: str) -> str:
    """Only local paths may be redirected to after a login."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def render_page(
    web: Web, request: Request, name: str, status: int = 200, **context: object
) -> Response:
    """A page from ``templates/`` with the principal (``who``) and ``can_operate`` set."""
    who = getattr(request.state, "principal", None)
    return web.templates.TemplateResponse(
        request,
        name,
        {
            "who": who,
            "can_operate": who is not None and who.role >= Role.OPERATOR,
            "csp_nonce": getattr(request.state, "csp_nonce", ""),
            **context,
        },
        status_code=status,
    )


def problems(web: Web) -> dict[str, list[dict[str, object]]]:
    """Firing alerts and open incidents, the overview's "what is wrong" (blocking)."""
    cfg = web.app.config
    repo = AlertRepository(web.engine)
    firing, why = firing_muted(repo, cfg.maintenance, cfg.inhibit_rules, web.now())
    incidents = IncidentRepository(web.engine).list_incidents(list(OPEN_STATUSES), 20)
    return {
        "alerts": [alert_json(a, why.get(a.fingerprint)) for a in firing],
        "incidents": [incident_json(i) for i in incidents],
    }


def page_routes(web: Web) -> list[BaseRoute]:
    guard = web.auth.guard

    def render(request: Request, name: str, status: int = 200, **context: object) -> Response:
        return render_page(web, request, name, status, **context)

    async def login_form(request: Request) -> Response:
        return render(request, "login.html", next=_safe_next(request.query_params.get("next", "/")))

    async def login(request: Request) -> Response:
        form = await request.form()
        user, password = str(form.get("username", "")), str(form.get("password", ""))
        target = _safe_next(str(form.get("next", "/")))
        try:
            found = await web.auth.login(request, user, password)
        except HTTPException as exc:
            if exc.status_code != 429:
                raise
            limited = render(request, "login.html", 429, next=target, error=exc.detail)
            limited.headers.update(exc.headers or {})  # Retry-After, as the API sends it
            return limited
        if found is None:
            return render(request, "login.html", 401, next=target, error="wrong user or password")
        response = RedirectResponse(target, status_code=303)
        await web.auth.start_session(request, response, found)
        return response

    @guard(Role.VIEWER, page=True)
    async def logout(request: Request) -> Response:
        response = RedirectResponse("/login", status_code=303)
        await web.auth.end_session(request, response)
        return response

    @guard(Role.VIEWER, page=True)
    async def overview(request: Request) -> Response:
        filters = views.Filters.parse(request.query_params)
        asked = param(request, "page", int, 1, 1, 10**7)
        offset = (asked - 1) * PAGE_SIZE
        data = await views.overview(web, filters, offset, PAGE_SIZE, sparkline=False)
        query = request.query_params.multi_items()
        pages = pager(asked, PAGE_SIZE, data["total"], "/", query)
        if pages.page != asked:  # past the last page: show the last one
            data = await views.overview(web, filters, pages.offset, PAGE_SIZE, sparkline=False)
        return render(
            request,
            "overview.html",
            problems=await asyncio.to_thread(problems, web),
            summary=views.summary(web),
            data=data,
            filters=filters,
            states=views.STATES,
            pager=pages,
        )

    @guard(Role.VIEWER, page=True)
    async def monitor(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            m = web.app.config.monitor(name)
        except KeyError:
            raise HTTPException(404, f"no monitor named {name!r}") from None
        row = views.monitor_base(m, web.app.tracker.get(m.name))
        return render(request, "monitor.html", monitor=row, locations=list(m.locations))

    @guard(Role.VIEWER, page=True)
    async def alerts(request: Request) -> Response:
        return render(request, "alerts.html")

    return [
        Route("/alerts", alerts),
        Route("/login", login_form),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/", overview),
        Route("/monitors/{name}", monitor),
    ]
