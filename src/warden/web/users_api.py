"""User deletion and role changes over the API (admins only; the last admin stays).

``DELETE /api/v1/users/{name}`` removes a user with their sessions and tokens;
``PUT /api/v1/users/{name}/role`` with ``{"role": "operator"}`` changes a role, effective at
once for the user's sessions and tokens. Both are logged on ``warden.users`` as audit lines.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from warden.web.api import read_json_body
from warden.web.context import Web, bad, json
from warden.web.users import LastAdminError, Role, UserError, user_json

log = logging.getLogger("warden.users")


def _failed(exc: UserError) -> HTTPException:
    if isinstance(exc, LastAdminError):
        return HTTPException(409, str(exc))
    if str(exc).startswith("no user"):
        return HTTPException(404, str(exc))
    return bad(str(exc))


def user_routes(web: Web) -> list[BaseRoute]:
    guard = web.auth.guard

    @guard(Role.ADMIN)
    async def delete_user(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            await asyncio.to_thread(web.book.delete_user, name)
        except UserError as exc:
            raise _failed(exc) from None
        log.info("audit: %s deleted user %r", request.state.principal.user, name)
        return Response(status_code=204)

    @guard(Role.ADMIN)
    async def set_role(request: Request) -> Response:
        name = request.path_params["name"]
        body = await read_json_body(request)
        text = body.get("role")
        if not isinstance(text, str):
            raise bad("'role' is a required string: viewer, operator or admin")
        try:
            user = await asyncio.to_thread(web.book.set_role, name, Role.parse(text))
        except UserError as exc:
            raise _failed(exc) from None
        log.info("audit: %s set the role of %r to %s", request.state.principal.user, name, text)
        return json(user_json(user))

    return [
        Route("/api/v1/users/{name}", delete_user, methods=["DELETE"]),
        Route("/api/v1/users/{name}/role", set_role, methods=["PUT"]),
    ]
