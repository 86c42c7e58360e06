"""The first step on an empty store: a one-time link that creates the first admin.

``warden up`` calls ``SetupLink.issue()`` when the store has no user; it returns a random token
that is printed once (console and log) as ``http://<listen>/setup/<token>``. Only the token's
SHA-256 digest is kept, in the process's memory. The link works until it is used or until any
user exists (for instance one added with ``warden user add``), whichever comes first; a restart
of ``warden up`` on a store still without users prints a new link and the old one stops working.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from warden.web.context import Web
from warden.web.pages import render_page
from warden.web.users import Role, User, UserBook, UserError, users_table


class SetupLink:
    """At most one open setup token (kept as its digest) for the first admin of a store."""

    def __init__(self, book: UserBook) -> None:
        self.book = book
        self._digest: str | None = None
        self._lock = asyncio.Lock()

    def no_users(self) -> bool:
        """True while the store has no user at all (blocking: one indexed read)."""
        with self.book.engine.connect() as conn:
            return conn.execute(select(users_table.c.id).limit(1)).first() is None

    def issue(self) -> str | None:
        """A new token if the store has no user (the previous one stops working), else None."""
        if not self.no_users():
            self._digest = None
            return None
        token = secrets.token_urlsafe(32)
        self._digest = _digest(token)
        return token

    def valid(self, token: str) -> bool:
        """The token is the open one and the store still has no user."""
        digest = self._digest
        if digest is None or not hmac.compare_digest(digest, _digest(token)):
            return False
        if not self.no_users():
            self._digest = None
            return False
        return True

    async def create_admin(self, token: str, name: str, password: str) -> User:
        """Create the first admin with the token, once; raises UserError otherwise."""
        async with self._lock:
            if not await asyncio.to_thread(self.valid, token):
                raise UserError("this setup link has been used or is no longer valid")
            user = await asyncio.to_thread(self.book.add_user, name, password, Role.ADMIN)
            self._digest = None
            return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def setup_routes(web: Web, link: SetupLink) -> list[BaseRoute]:
    async def form(request: Request) -> Response:
        token = request.path_params["token"]
        if not await asyncio.to_thread(link.valid, token):
            return render_page(web, request, "setup.html", 404, expired=True)
        return render_page(web, request, "setup.html", token=token)

    async def submit(request: Request) -> Response:
        token = request.path_params["token"]
        if not await asyncio.to_thread(link.valid, token):
            return render_page(web, request, "setup.html", 404, expired=True)
        data = await request.form()
        name = str(data.get("username", "")).strip()
        password, again = str(data.get("password", "")), str(data.get("password2", ""))
        page = {"token": token, "user": name}
        if password != again:
            error = "the two passwords differ"
            return render_page(web, request, "setup.html", 400, error=error, **page)
        try:
            user = await link.create_admin(token, name, password)
        except UserError as exc:
            expired = not await asyncio.to_thread(link.valid, token)
            status = 404 if expired else 400
            return render_page(
                web, request, "setup.html", status, error=str(exc), expired=expired, **page
            )
        response = RedirectResponse("/", status_code=303)
        await web.auth.start_session(request, response, user)
        return response

    return [
        Route("/setup/{token}", form, methods=["GET"]),
        Route("/setup/{token}", submit, methods=["POST"]),
    ]
