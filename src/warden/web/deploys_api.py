"""Deploy markers in the API: ``POST /api/v1/deploys`` (operator: what CI calls when a version
goes out; answers the marker and any open freeze window, 409 with ``fail_on_freeze``) and
``GET /api/v1/deploys?since=&until=&service=`` (viewer: what every dashboard chart draws)."""

from __future__ import annotations

import asyncio

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from warden.web.context import Web, bad, json, time_range
from warden.web.users import Role

FIELDS = ("service", "version", "message", "fail_on_freeze")


def deploy_routes(web: Web) -> list[BaseRoute]:
    guard = web.auth.guard

    @guard(Role.VIEWER)
    async def listed(request: Request) -> Response:
        from warden.deploys.markers import markers

        since, until = time_range(request, web.now(), 7 * 86400.0)
        service = request.query_params.get("service") or None
        got = await asyncio.to_thread(markers, web.engine, since, until, service)
        return json({"markers": [m.json() for m in got]})

    @guard(Role.OPERATOR)
    async def create(request: Request) -> Response:
        from warden.deploys.freeze import active_freezes
        from warden.deploys.markers import mark
        from warden.web.api import read_json_body

        body = await read_json_body(request)
        extra = sorted(set(body) - set(FIELDS))
        if extra:  # a misspelt fail_on_freeze must not let a deploy through a freeze
            raise bad(f"unknown field(s) {', '.join(extra)}; expected {', '.join(FIELDS)}")
        service, version = body.get("service"), body.get("version", "")
        message, stop = body.get("message", ""), body.get("fail_on_freeze", False)
        if not isinstance(service, str) or not all(isinstance(v, str) for v in (version, message)):
            raise bad("service, version and message are strings; service is required")
        if not isinstance(stop, bool):
            raise bad("fail_on_freeze must be true or false")
        now = web.now()
        frozen = active_freezes(web.app.config, service, now)
        if frozen and stop is True:
            names = ", ".join(f["name"] for f in frozen)
            raise HTTPException(409, f"deploy freeze window open for {service}: {names}")
        who = request.state.principal.user
        try:
            got = await asyncio.to_thread(mark, web.engine, service, version, now,
                                          author=who, message=message)  # fmt: skip
        except ValueError as exc:
            raise bad(str(exc)) from None
        return json({"marker": got.json(), "freezes": frozen}, 201)

    async def deploys(request: Request) -> Response:
        return await (create(request) if request.method == "POST" else listed(request))

    return [Route("/api/v1/deploys", deploys, methods=["GET", "POST"])]
