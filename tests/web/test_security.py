"""Web security: the login limit's Retry-After, security headers with a per-request CSP nonce,
and public badges that tell nothing about monitors which are not published."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx

from tests.web.conftest import PASSWORD, Site, monitors
from warden.results import Status
from warden.web.config import StatusComponent, StatusPageConfig
from warden.web.users import Role


async def login(c: httpx.AsyncClient, user: str, password: str) -> httpx.Response:
    return await c.post("/login", data={"username": user, "password": password, "next": "/"})


async def test_login_limit_says_how_long_to_wait(site: Site) -> None:
    async with site.client() as c:
        for _ in range(5):
            assert (await login(c, "viewer", "wrong password")).status_code == 401
            site.clock.advance(10)  # failures at 0, 10, ..., 40; now 50
        site.clock.advance(50)  # now 100: the first failure leaves the 300 s window at 300
        blocked = await login(c, "viewer", PASSWORD)
        assert blocked.status_code == 429
        assert blocked.headers["retry-after"] == "200"
        assert "too many failed logins" in blocked.text
        site.clock.advance(199.5)
        assert (await login(c, "viewer", PASSWORD)).headers["retry-after"] == "1"
        site.clock.advance(0.5)
        assert (await login(c, "viewer", PASSWORD)).status_code == 303


def _csp(r: httpx.Response) -> dict[str, str]:
    policy = r.headers["content-security-policy"]
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] for d in policy.split("; ")}


async def test_security_headers_on_pages_api_and_badges(site: Site) -> None:
    async with site.client() as c:
        responses = [await c.get(p) for p in ("/login", "/healthz", "/api/v1/status")]
    for r in responses:
        assert r.headers["x-frame-options"] == "DENY", r.url
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        csp = _csp(r)
        assert csp["default-src"] == "'self'"
        assert csp["frame-ancestors"] == "'none'"
        assert csp["object-src"] == "'none'"
        assert "unsafe-inline" not in csp["script-src"]
        assert "unsafe-eval" not in csp["script-src"]


async def test_inline_scripts_carry_a_fresh_nonce(site: Site) -> None:
    async with site.client(Role.VIEWER) as c:
        pages = [await c.get("/"), await c.get("/")]
    nonces = []
    for page in pages:
        assert page.status_code == 200
        allowed = re.fullmatch(r"'self' 'nonce-([\w-]{20,})'", _csp(page)["script-src"])
        assert allowed is not None
        inline = re.findall(r"<script( nonce=\"[^\"]*\")?>", page.text)
        assert inline == [f' nonce="{allowed.group(1)}"'], "every inline script has the nonce"
        nonces.append(allowed.group(1))
    assert nonces[0] != nonces[1]


async def test_public_badges_only_for_published_monitors(make_site: Callable[..., Site]) -> None:
    page = StatusPageConfig(
        slug="public", title="Shop", components=[StatusComponent(name="Web", monitors=["api"])]
    )
    site = make_site(*monitors("api", "internal-db"), status_pages=[page])
    await site.record("internal-db", Status.DOWN)
    async with site.client() as c:
        published = await c.get("/badge/api/status.svg")
        hidden = [
            await c.get("/badge/internal-db/status.svg"),
            await c.get("/badge/internal-db/uptime.svg?window=7d"),
        ]
        unknown = [
            await c.get("/badge/no-such-db/status.svg"),
            await c.get("/badge/no-such-db/uptime.svg?window=7d"),
        ]
    assert published.status_code == 200
    for h, u in zip(hidden, unknown, strict=True):
        assert (h.status_code, h.content) == (u.status_code, u.content) == (404, u.content)
        assert b"db" not in h.content
    async with site.client(Role.VIEWER) as c:  # a login sees every monitor's badges
        seen = await c.get("/badge/internal-db/status.svg")
    assert seen.status_code == 200
    assert "down" in seen.text
