"""Who may do what: sessions and CSRF for the browser, bearer tokens for scripts, roles.

``Auth.guard(role)`` wraps an endpoint: it finds the principal (``Authorization: Bearer``
token, else the session cookie), answers 401/403 when missing or too weak, and for a session
checks the CSRF token (``X-CSRF-Token`` header or ``csrf_token`` form field) on every
request that changes something. Failed logins are counted per client address and per user
name; past the limit the login answers 429 until the window has passed.
"""

from __future__ import annotations

import asyncio
import hmac
import math
from collections import deque
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from warden.web.config import WebConfig
from warden.web.users import Principal, Role, User, UserBook

SESSION_COOKIE = "warden_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

Endpoint = Callable[[Request], Awaitable[Response]]


class LoginLimiter:
    """Counts failures per key in a sliding window (bounded memory: old keys are dropped)."""

    def __init__(self, attempts: int, window: float, now: Callable[[], float]) -> None:
        self.attempts = attempts
        self.window = window
        self.now = now
        self._failures: dict[str, deque[float]] = {}

    def retry_after(self, keys: list[str]) -> float | None:
        """Seconds to wait if any key is over the limit, else None."""
        now = self.now()
        worst = None
        for key in keys:
            times = self._trim(key, now)
            if times is not None and len(times) >= self.attempts:
                wait = times[0] + self.window - now
                worst = wait if worst is None else max(worst, wait)
        return worst

    def failed(self, keys: list[str]) -> None:
        now = self.now()
        if len(self._failures) > 10_000:
            for key in list(self._failures):
                self._trim(key, now)
        for key in keys:
            self._failures.setdefault(key, deque(maxlen=self.attempts)).append(now)

    def succeeded(self, keys: list[str]) -> None:
        for key in keys:
            self._failures.pop(key, None)

    def _trim(self, key: str, now: float) -> deque[float] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        return times


class Auth:
    def __init__(self, book: UserBook, config: WebConfig, now: Callable[[], float]) -> None:
        self.book = book
        self.config = config
        self.limiter = LoginLimiter(config.login_attempts, config.login_window, now)

    async def principal(self, request: Request) -> Principal | None:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            return await asyncio.to_thread(self.book.token, header[7:].strip())
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            return await asyncio.to_thread(self.book.session, cookie)
        return None

    def guard(self, role: Role, *, page: bool = False) -> Callable[[Endpoint], Endpoint]:
        """Wrap an endpoint so it runs only for a principal with at least ``role``."""

        def wrap(endpoint: Endpoint) -> Endpoint:
            async def guarded(request: Request) -> Response:
                who = await self.principal(request)
                if who is None:
                    if page:
                        target = quote(request.url.path, safe="/")
                        return RedirectResponse(f"/login?next={target}", status_code=303)
                    raise HTTPException(
                        401, "authentication required", {"WWW-Authenticate": "Bearer"}
                    )
                if who.role < role:
                    raise HTTPException(403, f"this needs the {role.label} role")
                if who.via == "session" and request.method not in SAFE_METHODS:
                    await self._check_csrf(request, who)
                request.state.principal = who
                return await endpoint(request)

            guarded.__name__ = endpoint.__name__
            guarded.__doc__ = endpoint.__doc__
            return guarded

        return wrap

    async def _check_csrf(self, request: Request, who: Principal) -> None:
        given = request.headers.get("x-csrf-token", "")
        if not given and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            form = await request.form()
            value = form.get("csrf_token", "")
            given = value if isinstance(value, str) else ""
        if not given or not hmac.compare_digest(given.encode(), who.csrf.encode()):
            raise HTTPException(403, "missing or wrong CSRF token")

    # -- login and logout ------------------------------------------------------------------

    def limiter_keys(self, request: Request, user: str) -> list[str]:
        client = request.client.host if request.client else "unknown"
        return [f"ip:{client}", f"user:{user.lower()}"]

    async def login(self, request: Request, user: str, password: str) -> User | None:
        """Check a login; raises 429 when rate-limited, None when the password is wrong."""
        keys = self.limiter_keys(request, user)
        wait = self.limiter.retry_after(keys)
        if wait is not None:
            raise HTTPException(
                429,
                "too many failed logins; try again later",
                {"Retry-After": str(max(1, math.ceil(wait)))},
            )
        found = await asyncio.to_thread(self.book.authenticate, user, password)
        if found is None:
            self.limiter.failed(keys)
            return None
        self.limiter.succeeded([keys[1]])
        return found

    async def start_session(self, request: Request, response: Response, user: User) -> str:
        """Create a session, set its cookie on ``response``; returns the CSRF token."""
        token, csrf = await asyncio.to_thread(
            self.book.create_session, user, self.config.session_ttl
        )
        secure = self.config.secure_cookies
        if secure is None:
            secure = request.url.scheme == "https"
        response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=int(self.config.session_ttl),
            httponly=True,
            secure=secure,
            samesite="lax",
            path="/",
        )
        return csrf

    async def end_session(self, request: Request, response: Response) -> None:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            await asyncio.to_thread(self.book.end_session, cookie)
        response.delete_cookie(SESSION_COOKIE, path="/")
