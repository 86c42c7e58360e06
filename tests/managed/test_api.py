"""The API that creates, replaces, pauses and deletes monitors, windows and status pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.engine.scripted import settle
from tests.web.conftest import Site, monitors
from warden.web.users import Role

HTTP = {"name": "shop", "interval": "30s", "http": {"url": "http://127.0.0.1:9/health"}}


@pytest.fixture
def site(make_site: Callable[..., Site]) -> Site:
    return make_site(*monitors("api", "db"))


async def _create(site: Site, body: dict[str, Any], kind: str = "monitors") -> Any:
    async with site.client(Role.OPERATOR) as c:
        return await c.post(f"/api/v1/{kind}", json=body)


async def test_create_runs_the_monitor_marked_api(site: Site) -> None:
    got = await _create(site, HTTP)
    assert got.status_code == 201, got.text
    assert got.json()["source"] == "api"
    assert got.json()["definition"] == HTTP
    assert site.app.config.monitor("shop").interval == 30
    assert "shop" in site.app._entries  # the scheduler has it: no restart needed
    async with site.client(Role.VIEWER) as c:
        rows = {m["name"]: m for m in (await c.get("/api/v1/monitors")).json()["monitors"]}
        one = (await c.get("/api/v1/monitors/shop")).json()
    assert {n: r["source"] for n, r in rows.items()} == {"api": "yaml", "db": "yaml", "shop": "api"}
    assert one["source"] == "api"


async def test_update_changes_the_running_monitor(site: Site) -> None:
    await _create(site, HTTP)
    async with site.client(Role.OPERATOR) as c:
        got = await c.put("/api/v1/monitors/shop", json={**HTTP, "interval": "2m"})
    assert got.status_code == 200, got.text
    assert site.app.config.monitor("shop").interval == 120
    assert site.app._entries["shop"].config.interval == 120


async def test_rename_through_update(site: Site) -> None:
    await _create(site, HTTP)
    async with site.client(Role.OPERATOR) as c:
        got = await c.put("/api/v1/monitors/shop", json={**HTTP, "name": "store"})
    assert got.status_code == 200, got.text
    assert "store" in site.app._entries
    assert "shop" not in site.app._entries


async def test_delete_stops_the_monitor(site: Site) -> None:
    await _create(site, HTTP)
    async with site.client(Role.OPERATOR) as c:
        got = await c.delete("/api/v1/monitors/shop")
        again = await c.delete("/api/v1/monitors/shop")
    assert got.status_code == 204
    assert again.status_code == 404
    assert "shop" not in site.app._entries
    await settle()


@pytest.mark.parametrize("name", ["api", "shop"])
async def test_pause_and_resume_yaml_and_api_monitors(site: Site, name: str) -> None:
    await _create(site, HTTP)
    async with site.client(Role.OPERATOR) as c:
        paused = await c.post(f"/api/v1/monitors/{name}/pause")
        assert paused.status_code == 200, paused.text
        assert paused.json()["paused"] is True
        assert name not in site.app._entries
        assert site.app.config.monitor(name).enabled is False
        resumed = await c.post(f"/api/v1/monitors/{name}/resume")
    assert resumed.json()["paused"] is False
    assert name in site.app._entries
    await settle()


@pytest.mark.parametrize(
    ("body", "path", "message"),
    [
        ({**HTTP, "interval": "0.5s"}, "interval", "must be at least 1s"),
        ({**HTTP, "intervall": "1m"}, "intervall", "did you mean 'interval'?"),
        ({"name": "x"}, "", "needs one probe type key"),
        ({**HTTP, "http": {"url": 5}}, "http.url", ""),
        ({**HTTP, "name": "bad name"}, "name", "must start with a letter or digit"),
        ({**HTTP, "http": {"url": "${NO_SUCH_VARIABLE_X}"}}, "http.url", "NO_SUCH_VARIABLE_X"),
        ({**HTTP, "http": {"url": "http://x/", "bogus": 1}}, "http.bogus", "unknown key"),
    ],
)
async def test_bad_bodies_get_422_with_the_yaml_messages(
    site: Site, body: dict[str, Any], path: str, message: str
) -> None:
    got = await _create(site, body)
    assert got.status_code == 422, got.text
    issues = got.json()["error"]["issues"]
    assert any(i["path"] == path and message in i["message"] for i in issues), issues
    assert got.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize(
    ("method", "url", "body", "status", "says"),
    [
        ("post", "/api/v1/monitors", {**HTTP, "name": "api"}, 409, "warden.yaml"),
        ("post", "/api/v1/monitors", HTTP, 409, "already used"),
        ("put", "/api/v1/monitors/api", {**HTTP, "name": "api"}, 409, "edit it in the file"),
        ("delete", "/api/v1/monitors/api", None, 409, "delete it in the file"),
        ("put", "/api/v1/monitors/shop", {**HTTP, "name": "db"}, 409, "warden.yaml"),
        ("put", "/api/v1/monitors/nope", HTTP, 404, "no API-managed"),
        ("post", "/api/v1/monitors/nope/pause", None, 404, "no monitor"),
    ],
)
async def test_conflicts_and_missing(
    site: Site, method: str, url: str, body: Any, status: int, says: str
) -> None:
    await _create(site, HTTP)
    async with site.client(Role.OPERATOR) as c:
        kw = {"json": body} if body is not None else {}
        got = await c.request(method.upper(), url, **kw)
    assert got.status_code == status, got.text
    assert says in got.json()["error"]["message"]


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("POST", "/api/v1/monitors"),
        ("PUT", "/api/v1/monitors/shop"),
        ("DELETE", "/api/v1/monitors/shop"),
        ("POST", "/api/v1/monitors/api/pause"),
        ("POST", "/api/v1/maintenance"),
        ("DELETE", "/api/v1/status-pages/x"),
    ],
)
@pytest.mark.parametrize(("role", "status"), [(Role.VIEWER, 403), (None, 401)])
async def test_viewers_and_strangers_cannot_change(
    site: Site, method: str, url: str, role: Role | None, status: int
) -> None:
    async with site.client(role) as c:
        got = await c.request(method, url, json=HTTP)
    assert got.status_code == status


async def test_secrets_are_redacted_and_kept_on_update(site: Site) -> None:
    body = {
        "name": "beat",
        "interval": "1m",
        "heartbeat": {"grace": "1m", "token": "s3cret-token-x"},
    }
    got = await _create(site, body)
    assert got.status_code == 201, got.text
    assert got.json()["definition"]["heartbeat"]["token"] == "REDACTED"
    assert "s3cret" not in got.text
    async with site.client(Role.OPERATOR) as c:
        shown = (await c.get("/api/v1/monitors/beat/definition")).json()["definition"]
        got = await c.put("/api/v1/monitors/beat", json={**shown, "interval": "2m"})
    assert got.status_code == 200, got.text
    token = site.app.config.monitor("beat").probe_config().token
    assert token.get_secret_value() == "s3cret-token-x"


WINDOW = {"name": "nightly", "matchers": ["monitor=api"], "cron": "0 3 * * *", "duration": "1h"}
PAGE = {"slug": "public", "title": "Shop", "components": [{"name": "API", "monitors": ["api"]}]}


@pytest.mark.parametrize(
    ("kind", "body", "key", "section"),
    [
        ("maintenance", WINDOW, "name", "maintenance"),
        ("status-pages", PAGE, "slug", "status_pages"),
    ],
)
async def test_windows_and_pages_crud(
    site: Site, kind: str, body: dict[str, Any], key: str, section: str
) -> None:
    name = body[key]
    got = await _create(site, body, kind)
    assert got.status_code == 201, got.text
    assert [getattr(x, key) for x in getattr(site.app.config, section)] == [name]
    async with site.client(Role.VIEWER) as c:
        listed = (await c.get(f"/api/v1/{kind}")).json()
    assert [r["name"] for r in listed[kind.replace("-", "_")]] == [name]
    async with site.client(Role.OPERATOR) as c:
        changed = await c.put(f"/api/v1/{kind}/{name}", json={**body, "description": "x"})
        assert changed.status_code == 200, changed.text
        assert getattr(site.app.config, section)[0].description == "x"
        gone = await c.delete(f"/api/v1/{kind}/{name}")
    assert gone.status_code == 204
    assert getattr(site.app.config, section) == []


@pytest.mark.parametrize(
    ("kind", "body", "path", "message"),
    [
        ("maintenance", {**WINDOW, "cron": "nope"}, "", "not a valid cron"),
        ("status-pages", {**PAGE, "slug": "Bad Slug"}, "slug", "lowercase"),
        (
            "status-pages",
            {**PAGE, "components": [{"name": "X", "monitors": ["apx"]}]},
            "components[0].monitors[0]",
            "did you mean 'api'?",
        ),
    ],
)
async def test_windows_and_pages_validation(
    site: Site, kind: str, body: dict[str, Any], path: str, message: str
) -> None:
    got = await _create(site, body, kind)
    assert got.status_code == 422, got.text
    issues = got.json()["error"]["issues"]
    assert any(i["path"] == path and message in i["message"] for i in issues), issues
