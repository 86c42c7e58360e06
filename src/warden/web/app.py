"""The ASGI application served by ``warden up`` (Starlette).

Routes here: ``/healthz`` (the process is alive), ``/readyz`` (store reachable and scheduler
running) and ``/ping/<monitor>`` for heartbeat monitors (GET, POST or HEAD; a monitor with a
``token`` wants it as ``?token=`` or ``Authorization: Bearer``).
"""

from __future__ import annotations

import asyncio
import hmac
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

if TYPE_CHECKING:
    from warden.engine.app import App


def create_web_app(app: App) -> Starlette:
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
            return _error(404, "not_found", f"no monitor named {name!r}")
        if monitor.probe_type() != "heartbeat":
            return _error(404, "not_found", f"monitor {name!r} is not a heartbeat monitor")
        token = getattr(monitor.probe_config(), "token", None)
        if token is not None:
            given = request.query_params.get("token", "")
            auth = request.headers.get("authorization", "")
            if auth.lower().startswith("bearer "):
                given = auth[7:].strip()
            if not hmac.compare_digest(given.encode(), token.get_secret_value().encode()):
                return _error(403, "forbidden", "missing or wrong token")
        await app.heartbeat(name)
        return JSONResponse({"ok": True, "monitor": name})

    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/ping/{monitor}", ping, methods=["GET", "POST", "HEAD"]),
        ]
    )


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)
