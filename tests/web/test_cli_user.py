"""``warden user``: add, passwd, token, list, revoke against a store named by the config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from warden.cli.main import app
from warden.tables import open_store
from warden.web.users import Role, UserBook

runner = CliRunner()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    cfg = tmp_path / "warden.yaml"
    cfg.write_text(f"store:\n  url: sqlite:///{tmp_path}/w.db\n")
    return cfg


def book_of(tmp_path: Path) -> tuple[UserBook, object]:
    store = open_store(f"sqlite:///{tmp_path}/w.db")
    return UserBook(store.engine), store


def test_add_passwd_token_list_revoke(config: Path, tmp_path: Path) -> None:
    c = ["-c", str(config)]
    added = runner.invoke(
        app, ["user", "add", "alice", "--role", "operator", "--json", *c], input="a long password\n"
    )
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout) == {
        "schema": "warden.user/v1",
        "name": "alice",
        "role": "operator",
    }
    again = runner.invoke(app, ["user", "add", "alice", *c], input="a long password\n")
    assert again.exit_code == 2
    assert "already exists" in again.output
    short = runner.invoke(app, ["user", "add", "bob", *c], input="short\n")
    assert short.exit_code == 2
    assert "at least 8" in short.output

    changed = runner.invoke(app, ["user", "passwd", "alice", *c], input="another password\n")
    assert changed.exit_code == 0, changed.output
    made = runner.invoke(
        app,
        [
            "user",
            "token",
            "alice",
            "--name",
            "ci",
            "--role",
            "viewer",
            "--ttl",
            "30d",
            "--json",
            *c,
        ],
    )
    assert made.exit_code == 0, made.output
    token = json.loads(made.stdout)
    assert token["role"] == "viewer"
    assert token["token"].startswith("wdn_")

    book, store = book_of(tmp_path)
    try:
        assert book.authenticate("alice", "another password") is not None
        assert book.authenticate("alice", "a long password") is None
        who = book.token(token["token"])
        assert who is not None
        assert who.role is Role.VIEWER
    finally:
        store.close()  # type: ignore[attr-defined]

    listed = runner.invoke(app, ["user", "list", "--json", *c])
    body = json.loads(listed.stdout)
    assert body["users"] == [{"name": "alice", "role": "operator"}]
    assert "token" not in json.dumps(body["tokens"]).replace('"tokens"', "")
    assert [t["name"] for t in body["tokens"]] == ["ci"]
    assert runner.invoke(app, ["user", "revoke", str(token["id"]), *c]).exit_code == 0
    assert runner.invoke(app, ["user", "revoke", str(token["id"]), *c]).exit_code == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["user", "token", "nobody"], "no user named"),
        (["user", "token", "x", "--ttl", "soon"], "--ttl"),
        (["user", "add", "carol", "--role", "boss"], "not one of viewer"),
        (["user", "token", "x", "--role", "boss"], "not one of viewer"),
    ],
)
def test_bad_input_exits_2(config: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, [*args, "-c", str(config)], input="a long password\n")
    assert result.exit_code == 2
    assert message in result.output
