"""The first run as a new user meets it: ``warden up`` on an empty store prints a one-time link
that creates the first admin; the login page says how to get an account."""

from __future__ import annotations

import os
import re
import selectors
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher

from warden.tables import open_store
from warden.web.setup import SetupLink
from warden.web.users import Role, UserBook

LINK_RE = re.compile(r"create the first admin at (http://\S+/setup/(\S+))")
HINT = "No users yet: open the setup link printed by"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def warden_up(tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """``warden up`` on an empty store; yields (base URL, printed setup link, config)."""
    port = _free_port()
    cfg = tmp_path / "warden.yaml"
    cfg.write_text(
        f"store:\n  url: sqlite:///{tmp_path}/w.db\nserver:\n  listen: 127.0.0.1:{port}\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "warden.cli", "up", "--config", str(cfg)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert proc.stderr is not None
    link, lines = None, []
    sel = selectors.DefaultSelector()
    sel.register(proc.stderr, selectors.EVENT_READ)
    deadline = time.monotonic() + 60
    try:
        while link is None and time.monotonic() < deadline:
            if not sel.select(timeout=1):
                continue
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(line)
            if m := LINK_RE.search(line):
                link = m.group(1)
        assert link is not None, "".join(lines)
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):  # the link is printed just before the server starts
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield base, link, cfg
    finally:
        sel.close()
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stderr.close()


def test_setup_link_creates_the_first_admin_once(warden_up: tuple[str, str, Path]) -> None:
    base, link, _ = warden_up
    assert len(link.rsplit("/", 1)[1]) >= 40  # a random token of 32 bytes
    with httpx.Client(base_url=base, timeout=10) as c:
        login = c.get("/login")
        assert HINT in login.text
        assert "warden user add" in login.text
        form = c.get(link)
        assert form.status_code == 200
        assert "Create the first admin" in form.text
        differ = c.post(
            link, data={"username": "ada", "password": "long enough 1", "password2": "x"}
        )
        assert differ.status_code == 400
        assert "the two passwords differ" in differ.text
        short = c.post(link, data={"username": "ada", "password": "short", "password2": "short"})
        assert short.status_code == 400
        assert "at least 8 characters" in short.text
        done = c.post(
            link,
            data={"username": "ada", "password": "long enough 1", "password2": "long enough 1"},
        )
        assert done.status_code == 303
        assert done.headers["location"] == "/"
        overview = c.get("/")  # the session cookie set by the setup page logs ada in
        assert overview.status_code == 200
        assert "ada (admin)" in overview.text
    with httpx.Client(base_url=base, timeout=10) as other:
        again = other.get(link)
        assert again.status_code == 404
        assert "has been used or is no longer valid" in again.text
        reuse = other.post(
            link, data={"username": "eve", "password": "p" * 12, "password2": "p" * 12}
        )
        assert reuse.status_code == 404
        assert HINT not in other.get("/login").text
        ok = other.post(
            "/login", data={"username": "ada", "password": "long enough 1", "next": "/"}
        )
        assert ok.status_code == 303


def test_a_wrong_token_opens_nothing(warden_up: tuple[str, str, Path]) -> None:
    base, link, _ = warden_up
    wrong = link[:-4] + ("AAAA" if not link.endswith("AAAA") else "BBBB")
    with httpx.Client(base_url=base, timeout=10) as c:
        assert c.get(wrong).status_code == 404
        data = {"username": "eve", "password": "p" * 12, "password2": "p" * 12}
        assert c.post(wrong, data=data).status_code == 404
        differ = {**data, "password2": "something else"}
        assert c.post(wrong, data=differ).status_code == 404  # no form for a wrong token
        assert c.get(link).status_code == 200  # the real link still works


async def test_link_closes_when_a_user_is_added_elsewhere(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/w.db")
    try:
        book = UserBook(store.engine, PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        link = SetupLink(book)
        token = link.issue()
        assert token is not None
        assert link.valid(token)
        assert not link.valid(token + "x")
        book.add_user("ops", "long enough 1", Role.VIEWER)  # e.g. `warden user add`
        assert not link.valid(token)
        assert link.issue() is None
    finally:
        store.close()
