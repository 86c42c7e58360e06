"""The ASGI application served by ``warden up`` (Starlette).

Public routes: ``/healthz`` (the process is alive), ``/readyz`` (store reachable and
scheduler running), ``/ping/<monitor>`` for heartbeat monitors (GET, POST or HEAD; a monitor
with a ``token`` wants it as ``?token=`` or ``Authorization: Bearer``), status pages, badges
and static files, and ``/setup/<token>`` (the first admin, see setup.py). Everything else
(dashboard, ``/api/v1``, ``/metrics``) needs a login or an API token; see auth.py. ``/mcp`` is
the MCP server over Streamable HTTP (API tokens only, see warden/mcp/http.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, FileSystemLoader, select_autoescape
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from warden.alerting.storage import AlertRepository
from warden.engine.bus import CheckCompleted
from warden.errors import StoreError
from warden.web import filters
from warden.web.agents_api import agent_routes
from warden.web.alert_pages import alert_page_routes
from warden.web.alerts_api import AlertCollector, alert_routes
from warden.web.api import api_routes
from warden.web.auth import Auth
from warden.web.badges import badge_routes
from warden.web.browser_api import browser_routes
from warden.web.capacity_api import capacity_routes
from warden.web.context import LastResults, Web, error
from warden.web.cost_api import cost_routes
from warden.web.deploys_api import deploy_routes
from warden.web.diagnose_api import diagnose_routes
from warden.web.doc_pages import doc_routes
from warden.web.gameday_pages import gameday_routes
from warden.web.incident_pages import incident_page_routes
from warden.web.incidents_api import incident_routes
from warden.web.live import LiveFeed, live_routes
from warden.web.managed_pages import managed_page_routes
from warden.web.metrics import SloCollector, metrics_endpoint
from warden.web.monitors_api import managed_routes
from warden.web.pages import page_routes
from warden.web.ready_api import ready_routes
from warden.web.reports_api import report_routes
from warden.web.rum_api import rum_routes
from warden.web.runbook_pages import runbook_routes
from warden.web.security import SecurityHeaders, security_headers
from warden.web.setup import SetupLink, setup_routes
from warden.web.slo_api import slo_routes
from warden.web.slo_pages import slo_page_routes
from warden.web.status_page import status_routes
from warden.web.traffic_api import traffic_routes
from warden.web.traffic_pages import traffic_page_routes
from warden.web.users import Role, UserBook
from warden.web.users_api import user_routes

if TYPE_CHECKING:
    from warden.engine.app import App

HERE = Path(__file__).parent


def create_web_app(app: App, *, book: UserBook | None = None) -> Starlette:
    """The web app over ``app``; ``book`` defaults to users in the App's SQL store."""
    engine = getattr(app.store, "engine", None)
    if not isinstance(engine, Engine):
        raise StoreError("the web app needs the SQL store (its users and queries live there)")
    book = book or UserBook(engine, now=app.clock.time)
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        auto_reload=False,
    )
    filters.install(env)
    setup = SetupLink(book)  # the first admin's one-time link; ``warden up`` issues it
    env.globals["no_users"] = setup.no_users
    last = LastResults()
    app.bus.subscribe(CheckCompleted, last.on_result)
    web = Web(
        app=app,
        engine=engine,
        book=book,
        auth=Auth(book, app.config.web, app.clock.time),
        templates=Jinja2Templates(env=env),
        last=last,
    )

    feed = LiveFeed(app.bus, app.clock.time)

    async def favicon(_: Request) -> Response:
        return FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml")

    async def healthz(_: Request) -> Response:
        return PlainTextResponse("ok\n")

    async def readyz(_: Request) -> Response:
        problems = []
        if not app.stats.running:
            problems.append("scheduler not running")
        try:
            await asyncio.wait_for(asyncio.to_thread(app.store.states), 2.0)
        except Exception:
            problems.append("store unreachable")
        if problems:
            return JSONResponse({"ready": False, "problems": problems}, status_code=503)
        return JSONResponse({"ready": True})

    async def ping(request: Request) -> Response:
        name = request.path_params["monitor"]
        try:
            monitor = app.config.monitor(name)
        except KeyError:
            return error(404, f"no monitor named {name!r}")
        if monitor.probe_type() != "heartbeat":
            return error(404, f"monitor {name!r} is not a heartbeat monitor")
        token = getattr(monitor.probe_config(), "token", None)
        if token is not None:
            given = request.query_params.get("token", "")
            auth = request.headers.get("authorization", "")
            if auth.lower().startswith("bearer "):
                given = auth[7:].strip()
            if not hmac.compare_digest(given.encode(), token.get_secret_value().encode()):
                return error(403, "missing or wrong token")
        if not await app.heartbeat(name) and app.share.shared:
            # the instance that runs this monitor would not see it: the sender should retry
            return error(503, "the ping could not be stored; try again", {"Retry-After": "5"})
        return JSONResponse({"ok": True, "monitor": name})

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 404 and _wants_html(request):
            return web.templates.TemplateResponse(
                request, "error.html", {"status": 404, "message": exc.detail}, status_code=404
            )
        return error(exc.status_code, exc.detail, exc.headers)

    async def server_error(_: Request, __: Exception) -> Response:
        return error(500, "internal error; see Warden's log", security_headers())

    alerts = AlertRepository(engine)
    collectors: list[Collector] = [AlertCollector(alerts, app), SloCollector(web)]
    metrics = web.auth.guard(Role.VIEWER)(metrics_endpoint(app, last, collectors))

    from warden.mcp.deps import app_deps
    from warden.mcp.http import McpEndpoint

    mcp = McpEndpoint(app_deps(app), book)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        cfg = app.config
        if cfg.slos:  # a first SLO read of a large store takes seconds: start it before a visit
            web.slos.latest(cfg.slos, cfg.monitors, web.now(), 0.0)
        yield

    asgi = Starlette(
        lifespan=lifespan,
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/ping/{monitor}", ping, methods=["GET", "POST", "HEAD"]),
            Route("/metrics", metrics),
            Route("/favicon.ico", favicon),
            Route("/mcp", mcp, methods=["GET", "POST", "DELETE"]),
            *live_routes(web, feed),
            *api_routes(web),
            *managed_routes(web),
            *user_routes(web),
            *alert_routes(web, alerts),
            *slo_routes(web),
            *traffic_routes(web),
            *incident_routes(web),
            *page_routes(web),
            *managed_page_routes(web),
            *setup_routes(web, setup),
            *slo_page_routes(web),
            *traffic_page_routes(web),
            *rum_routes(web),
            *browser_routes(web),
            *capacity_routes(web),
            *cost_routes(web),
            *ready_routes(web),
            *report_routes(web),
            *doc_routes(web),
            *runbook_routes(web),
            *gameday_routes(web),
            *deploy_routes(web),
            *agent_routes(web),
            *diagnose_routes(web),
            *incident_page_routes(web),
            *alert_page_routes(web),
            *status_routes(web),
            *badge_routes(web),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ],
        exception_handlers={HTTPException: http_error, Exception: server_error},
        middleware=[Middleware(SecurityHeaders)],
    )
    asgi.state.setup_link = setup
    return asgi


def _wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api/", "/metrics", "/badge/", "/ping/")) or path.endswith(".json"):
        return False
    return "text/html" in request.headers.get("accept", "")
