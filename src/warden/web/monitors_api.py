"""The API that changes monitors, maintenance windows and status pages (``warden.managed``).

``POST /api/v1/{kind}`` creates, ``PUT /api/v1/{kind}/{name}`` replaces and ``DELETE``
removes what the API manages (kind: ``monitors``, ``maintenance``, ``status-pages``);
``POST /api/v1/monitors/{name}/pause`` and ``/resume`` work for YAML monitors too.
``GET /api/v1/{kind}/{name}/definition`` (monitors) or ``GET /api/v1/{kind}[/{name}]``
(windows, pages) shows an object with its source. Changes need the operator role;
bodies are validated by the config models (422 with ``issues``: key path and message).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from warden.managed.manager import Manager
from warden.managed.storage import Conflict, ManagedRepository, NotFound
from warden.managed.validate import KINDS, Invalid, Kind
from warden.web.api import read_json_body
from warden.web.context import Web, json
from warden.web.users import Role


def invalid(exc: Invalid) -> JSONResponse:
    issues = [{"path": p, "message": m} for p, m in exc.issues]
    return JSONResponse(
        {"error": {"code": "invalid", "message": str(exc), "issues": issues}}, status_code=422
    )


async def run(action: Callable[[], Awaitable[Any]], status: int = 200) -> Response:
    """Run a Manager action; its errors become 404/409/422 answers."""
    try:
        got = await action()
    except Invalid as exc:
        return invalid(exc)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except Conflict as exc:
        raise HTTPException(409, str(exc)) from None
    return Response(status_code=204) if got is None else json(got, status)


def manager_of(web: Web) -> Manager:
    return Manager(ManagedRepository(web.engine), web.app)


def managed_routes(web: Web) -> list[BaseRoute]:
    guard = web.auth.guard
    manager = manager_of(web)

    def who(request: Request) -> str:
        principal = request.state.principal
        return f"{principal.user} ({principal.via})"

    def kind_of(request: Request) -> Kind:
        return KINDS[request.url.path.split("/")[3]]

    @guard(Role.VIEWER)
    async def listing(request: Request) -> Response:
        kind = kind_of(request)
        got = await asyncio.to_thread(manager.listing, kind)
        return json({kind.path.replace("-", "_"): got})

    @guard(Role.VIEWER)
    async def describe(request: Request) -> Response:
        name = request.path_params["name"]
        return await run(lambda: asyncio.to_thread(manager.describe, kind_of(request), name))

    @guard(Role.OPERATOR)
    async def create(request: Request) -> Response:
        body = await read_json_body(request)
        return await run(lambda: manager.create(kind_of(request), body, who(request)), 201)

    @guard(Role.OPERATOR)
    async def replace(request: Request) -> Response:
        body = await read_json_body(request)
        name = request.path_params["name"]
        return await run(lambda: manager.replace(kind_of(request), name, body, who(request)))

    @guard(Role.OPERATOR)
    async def delete(request: Request) -> Response:
        name = request.path_params["name"]
        return await run(lambda: manager.delete(kind_of(request), name, who(request)))

    @guard(Role.OPERATOR)
    async def pause(request: Request) -> Response:
        name = request.path_params["name"]
        paused = request.url.path.endswith("/pause")
        return await run(lambda: manager.pause(name, paused, who(request)))

    p = "/api/v1"
    routes: list[BaseRoute] = [
        Route(f"{p}/monitors/{{name}}/definition", describe),
        Route(f"{p}/monitors/{{name}}/pause", pause, methods=["POST"]),
        Route(f"{p}/monitors/{{name}}/resume", pause, methods=["POST"]),
    ]
    for kind in KINDS.values():
        base = f"{p}/{kind.path}"
        if kind.path != "monitors":  # GET /monitors[/{name}] are the state views (api.py)
            routes += [Route(base, listing), Route(f"{base}/{{name}}", describe)]
        routes += [
            Route(base, create, methods=["POST"]),
            Route(f"{base}/{{name}}", replace, methods=["PUT"]),
            Route(f"{base}/{{name}}", delete, methods=["DELETE"]),
        ]
    return routes
