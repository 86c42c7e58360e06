"""Access control: logins, sessions, CSRF, tokens, roles, the login rate limit, public paths."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest

from tests.web.conftest import PASSWORD, Site, monitors
from warden.web.config import StatusComponent, StatusPageConfig, WebConfig
from warden.web.users import Role


async def login(c: httpx.AsyncClient, user: str, password: str = PASSWORD) -> httpx.Response:
    return await c.post("/login", data={"username": user, "password": password, "next": "/"})


async def csrf_of(c: httpx.AsyncClient) -> str:
    page = (await c.get("/")).text
    found = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize(
    "path", ["/api/v1/status", "/api/v1/monitors", "/api/v1/openapi.json", "/metrics"]
)
async def test_api_and_metrics_need_authentication(site: Site, path: str) -> None:
    async with site.client() as c:
        r = await c.get(path)
        bad = await c.get(path, headers={"Authorization": "Bearer wdn_not-a-token"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"
    assert r.headers["www-authenticate"] == "Bearer"
    assert bad.status_code == 401


@pytest.mark.parametrize("path", ["/", "/monitors/api"])
async def test_pages_redirect_to_login(site: Site, path: str) -> None:
    async with site.client() as c:
        r = await c.get(path)
    assert r.status_code == 303
    assert r.headers["location"] == f"/login?next={path}"


async def test_public_paths_need_no_login(make_site: Callable[..., Site]) -> None:
    page = StatusPageConfig(
        slug="public", title="Shop", components=[StatusComponent(name="Web", monitors=["api"])]
    )
    site = make_site(*monitors("api"), status_pages=[page])
    async with site.client() as c:
        for path in [
            "/healthz",
            "/status/public",
            "/status/public.json",
            "/badge/api/status.svg",
            "/static/vendor/uPlot.iife.min.js",
            "/login",
        ]:
            assert (await c.get(path)).status_code == 200, path
        assert (await c.get("/readyz")).status_code == 503  # the scheduler is not running


async def test_badges_can_require_login(make_site: Callable[..., Site]) -> None:
    site = make_site(*monitors("api"), web=WebConfig(public_badges=False))
    async with site.client() as c:
        assert (await c.get("/badge/api/status.svg")).status_code == 401
    async with site.client(Role.VIEWER) as c:
        assert (await c.get("/badge/api/status.svg")).status_code == 200


async def test_login_session_cookie_and_logout(site: Site) -> None:
    async with site.client() as c:
        wrong = await login(c, "viewer", "not the password")
        assert wrong.status_code == 401
        assert "wrong user or password" in wrong.text
        ok = await login(c, "viewer")
        assert ok.status_code == 303
        cookie = ok.headers["set-cookie"]
        assert "warden_session=" in cookie
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        assert "Secure" not in cookie  # plain http on loopback
        assert (await c.get("/api/v1/me")).json()["via"] == "session"
        token = await csrf_of(c)
        assert (await c.post("/logout", data={"csrf_token": token})).status_code == 303
        assert (await c.get("/api/v1/me")).status_code == 401


async def test_secure_cookies_when_configured(make_site: Callable[..., Site]) -> None:
    site = make_site(*monitors("api"), web=WebConfig(secure_cookies=True))
    async with site.client() as c:
        r = await login(c, "viewer")
    assert "Secure" in r.headers["set-cookie"]


async def test_session_writes_need_the_csrf_token(site: Site) -> None:
    async with site.client() as c:
        await login(c, "operator")
        token = await csrf_of(c)
        missing = await c.post("/api/v1/tokens", json={"name": "x"})
        wrong = await c.post("/api/v1/tokens", json={"name": "x"}, headers={"X-CSRF-Token": "no"})
        right = await c.post("/api/v1/tokens", json={"name": "x"}, headers={"X-CSRF-Token": token})
        logout = await c.post("/logout")
    assert missing.status_code == 403
    assert "CSRF" in missing.json()["error"]["message"]
    assert wrong.status_code == 403
    assert right.status_code == 201
    assert logout.status_code == 403


async def test_bearer_tokens_need_no_csrf(site: Site) -> None:
    async with site.client(Role.OPERATOR) as c:
        assert (await c.post("/api/v1/tokens", json={"name": "x"})).status_code == 201


@pytest.mark.parametrize(
    ("role", "path", "method", "status"),
    [
        (Role.VIEWER, "/api/v1/users", "GET", 403),
        (Role.OPERATOR, "/api/v1/users", "GET", 403),
        (Role.ADMIN, "/api/v1/users", "GET", 200),
        (Role.VIEWER, "/api/v1/monitors/api/check", "POST", 403),
        (Role.VIEWER, "/metrics", "GET", 200),
    ],
)
async def test_roles(site: Site, role: Role, path: str, method: str, status: int) -> None:
    async with site.client(role) as c:
        assert (await c.request(method, path)).status_code == status


async def test_login_is_rate_limited_per_client_and_user(site: Site) -> None:
    async with site.client() as c:
        for _ in range(5):
            assert (await login(c, "viewer", "wrong password")).status_code == 401
        blocked = await login(c, "viewer")
        assert blocked.status_code == 429
        assert 1 <= int(blocked.headers["retry-after"]) <= 300  # as the docs promise
        other_user = await login(c, "admin")  # same client address: also blocked
        assert other_user.status_code == 429
        site.clock.advance(301)
        assert (await login(c, "viewer")).status_code == 303


async def test_token_expiry_and_demotion(site: Site) -> None:
    raw, _ = site.book.create_token("operator", "short", ttl=3600)
    async with site.client() as c:
        headers = {"Authorization": f"Bearer {raw}"}
        assert (await c.get("/api/v1/me", headers=headers)).json()["role"] == "operator"
        site.book.set_role("operator", Role.VIEWER)
        assert (await c.get("/api/v1/me", headers=headers)).json()["role"] == "viewer"
        site.clock.advance(3601)
        assert (await c.get("/api/v1/me", headers=headers)).status_code == 401


async def test_password_change_ends_sessions(site: Site) -> None:
    async with site.client() as c:
        await login(c, "viewer")
        assert (await c.get("/api/v1/me")).status_code == 200
        site.book.set_password("viewer", "a brand new password")
        assert (await c.get("/api/v1/me")).status_code == 401
        assert (await login(c, "viewer", "a brand new password")).status_code == 303


@pytest.mark.parametrize(
    ("given", "expected"),
    [("/monitors/api", "/monitors/api"), ("//evil.test/x", "/"), ("https://evil.test", "/")],
)
async def test_login_redirects_only_to_local_paths(site: Site, given: str, expected: str) -> None:
    async with site.client() as c:
        r = await c.post("/login", data={"username": "viewer", "password": PASSWORD, "next": given})
    assert r.headers["location"] == expected


def test_stored_secrets_are_hashes(site: Site) -> None:
    from sqlalchemy import select

    from warden.web.users import tokens_table, users_table

    with site.store.engine.connect() as conn:
        hashes = conn.execute(select(users_table.c.password_hash)).scalars().all()
        token_hashes = conn.execute(select(tokens_table.c.token_hash)).scalars().all()
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert PASSWORD not in " ".join(hashes)
    assert not set(site.tokens.values()) & set(token_hashes)


@pytest.mark.parametrize("path", ["/login", "/status/public", "/api/v1/me", "/healthz"])
async def test_security_headers_on_every_response(
    make_site: Callable[..., Site], path: str
) -> None:
    page = StatusPageConfig(
        slug="public", title="Shop", components=[StatusComponent(name="Web", monitors=["api"])]
    )
    site = make_site(*monitors("api"), status_pages=[page])
    async with site.client() as c:
        r = await c.get(path)
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self' 'nonce-" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]


async def test_inline_scripts_carry_the_response_nonce(site: Site) -> None:
    async with site.client(Role.VIEWER) as c:
        r = await c.get("/")
    nonce = re.search(r"'nonce-([^']+)'", r.headers["content-security-policy"])
    assert nonce is not None
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", r.text)
    assert inline
    assert all(f'nonce="{nonce.group(1)}"' in attrs for attrs in inline)


async def test_internal_errors_carry_the_security_headers_too(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Starlette builds a 500 outside the middleware: the handler adds the headers itself."""
    import httpx

    from warden.web import views

    def broken(*_: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(views, "summary", broken)
    transport = httpx.ASGITransport(app=site.asgi, raise_app_exceptions=False)
    headers = {"Authorization": f"Bearer {site.tokens[Role.VIEWER]}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=headers) as c:
        r = await c.get("/")
    assert r.status_code == 500
    assert "a bug" not in r.text
    assert r.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert "nonce" not in r.headers["content-security-policy"]
