"""``/mcp`` on the web server: the MCP server over Streamable HTTP, behind Warden's API tokens.

Every request must carry ``Authorization: Bearer <token>`` (a token made with ``warden user
token``); a missing or unknown token gets 401 before the MCP layer sees the request. The
token's role travels with the request to ``RoleGate`` (server.py): a viewer token lists and
calls the read tools only. Stateless JSON responses: no session is kept between requests, so
any instance behind a load balancer can answer, and a restart loses nothing. The server is
built at the first request (the SDK costs ~1 s to import), not with the web app.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from warden.mcp.caller import Caller
from warden.mcp.deps import Deps
from warden.web.users import UserBook

if TYPE_CHECKING:
    from mcp.server.context import ServerRequestContext

SCOPE_KEY = "warden.mcp.caller"


def _caller(ctx: ServerRequestContext[Any, Any]) -> Caller | None:
    scope = getattr(ctx.request, "scope", None)
    return scope.get(SCOPE_KEY) if isinstance(scope, dict) else None


class McpEndpoint:
    """The ASGI app mounted at ``/mcp``."""

    def __init__(self, deps: Deps, book: UserBook) -> None:
        self.deps = deps
        self.book = book
        self._app: ASGIApp | None = None
        self._ready: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    async def _started(self) -> ASGIApp:
        """Build the server and run its session manager in a task of the serving loop (the
        web server runs without ASGI lifespan events; the loop's end cancels the task)."""
        if self._ready is None:
            self._ready = asyncio.Event()
            self._task = asyncio.create_task(self._run(self._ready), name="warden-mcp")
        await self._ready.wait()
        assert self._app is not None
        return self._app

    async def _run(self, ready: asyncio.Event) -> None:
        from mcp.server.streamable_http_manager import StreamableHTTPASGIApp
        from mcp.server.transport_security import TransportSecuritySettings

        from warden.mcp.server import build_server

        server = build_server(self.deps, _caller)
        # A bearer token is required on every request, so a page in a browser cannot drive
        # it with the user's cookies: DNS-rebinding checks would only get in the way of a
        # reverse proxy's host name.
        server.streamable_http_app(  # builds the session manager; its routes are unused
            json_response=True,
            stateless_http=True,
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        manager = server.session_manager
        self._app = StreamableHTTPASGIApp(manager)
        async with manager.run():
            ready.set()
            await asyncio.Event().wait()  # until the loop cancels it

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        headers = dict(scope.get("headers") or [])
        auth = headers.get(b"authorization", b"").decode("latin-1")
        principal = None
        if auth.lower().startswith("bearer "):
            principal = await asyncio.to_thread(self.book.token, auth[7:].strip())
        if principal is None:
            message = "an API token is required: Authorization: Bearer <token>"
            response = JSONResponse(
                {"error": {"code": "unauthorized", "message": message}},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
            await response(scope, receive, send)
            return
        scope[SCOPE_KEY] = Caller(principal.user, principal.role)
        app = await self._started()
        await app(scope, receive, send)
