"""Security headers on every response: a Content-Security-Policy with a per-request nonce for
the pages' small inline bootstraps, no framing, no MIME sniffing, no referrer leaks.

The nonce is put in the request's state (``csp_nonce``) before the handler runs; templates
write it on their inline ``<script>`` tags. Styles allow ``'unsafe-inline'`` for the width of
bars set in ``style`` attributes; scripts allow only this origin and the nonce.
"""

from __future__ import annotations

import secrets

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
_FIXED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def security_headers() -> dict[str, str]:
    """The headers for a response built outside the middleware (Starlette's 500 handler runs
    outside it): the policy without a nonce, since such a response runs no script."""
    policy = _POLICY.replace(" 'nonce-{nonce}'", "")
    return {"Content-Security-Policy": policy, **_FIXED}


class SecurityHeaders:
    """Pure ASGI middleware; a handler's own header of the same name wins."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", _POLICY.format(nonce=nonce))
                for name, value in _FIXED.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
