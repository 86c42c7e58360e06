"""User deletion and role changes: API (admins only) and CLI, never leaving no admin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.web.conftest import Site
from warden.cli.main import app
from warden.tables import open_store
from warden.web.users import Role, UserBook

runner = CliRunner()


@pytest.mark.parametrize(
    ("method", "url", "body", "status", "says"),
    [
        ("PUT", "/api/v1/users/viewer/role", {"role": "operator"}, 200, ""),
        ("PUT", "/api/v1/users/admin/role", {"role": "viewer"}, 409, "last admin"),
        ("PUT", "/api/v1/users/viewer/role", {"role": "boss"}, 400, "not one of"),
        ("PUT", "/api/v1/users/viewer/role", {}, 400, "'role'"),
        ("PUT", "/api/v1/users/ghost/role", {"role": "viewer"}, 404, "no user"),
        ("DELETE", "/api/v1/users/operator", None, 204, ""),
        ("DELETE", "/api/v1/users/admin", None, 409, "last admin"),
        ("DELETE", "/api/v1/users/ghost", None, 404, "no user"),
    ],
)
async def test_admin_changes_users(
    site: Site, method: str, url: str, body: object, status: int, says: str
) -> None:
    async with site.client(Role.ADMIN) as c:
        got = await c.request(method, url, **({"json": body} if body is not None else {}))
    assert got.status_code == status, got.text
    if says:
        assert says in got.json()["error"]["message"]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.OPERATOR])
@pytest.mark.parametrize(
    ("method", "url"), [("DELETE", "/api/v1/users/viewer"), ("PUT", "/api/v1/users/viewer/role")]
)
async def test_only_admins_change_users(site: Site, role: Role, method: str, url: str) -> None:
    async with site.client(role) as c:
        got = await c.request(method, url, json={"role": "admin"})
    assert got.status_code == 403
    assert {u.name: u.role for u in site.book.users()}["viewer"] is Role.VIEWER


async def test_demotion_and_deletion_take_effect_at_once(site: Site) -> None:
    async with site.client(Role.ADMIN) as c:
        assert (await c.put("/api/v1/users/operator/role", json={"role": "viewer"})).is_success
    async with site.client(Role.OPERATOR) as c:  # the operator's token is capped now
        assert (await c.post("/api/v1/monitors/api/check")).status_code == 403
    async with site.client(Role.ADMIN) as c:
        assert (await c.delete("/api/v1/users/operator")).status_code == 204
    async with site.client(Role.OPERATOR) as c:
        assert (await c.get("/api/v1/status")).status_code == 401


async def test_a_second_admin_can_be_demoted(site: Site) -> None:
    site.book.add_user("root", "a long password", Role.ADMIN)
    async with site.client(Role.ADMIN) as c:
        got = await c.put("/api/v1/users/root/role", json={"role": "viewer"})
    assert got.json() == {"name": "root", "role": "viewer"}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    cfg = tmp_path / "warden.yaml"
    cfg.write_text(f"store:\n  url: sqlite:///{tmp_path}/w.db\n")
    return cfg


def test_cli_role_and_delete(config: Path, tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/w.db")
    book = UserBook(store.engine)
    book.add_user("boss", "a long password", Role.ADMIN)
    book.add_user("eve", "a long password", Role.VIEWER)
    store.close()
    c = ["-c", str(config)]
    got = runner.invoke(app, ["user", "role", "eve", "operator", "--json", *c])
    assert got.exit_code == 0, got.output
    assert json.loads(got.stdout) == {"schema": "warden.user/v1", "name": "eve", "role": "operator"}
    last = runner.invoke(app, ["user", "role", "boss", "viewer", *c])
    assert last.exit_code == 2
    assert "last admin" in last.output
    bad = runner.invoke(app, ["user", "role", "eve", "boss", *c])
    assert bad.exit_code == 2
    assert "not one of" in bad.output
    gone = runner.invoke(app, ["user", "delete", "eve", "--json", *c])
    assert gone.exit_code == 0, gone.output
    assert json.loads(gone.stdout)["deleted"] is True
    assert runner.invoke(app, ["user", "delete", "boss", *c]).exit_code == 2
    assert runner.invoke(app, ["user", "delete", "eve", *c]).exit_code == 2
