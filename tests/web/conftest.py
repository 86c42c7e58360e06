"""Fixtures for the web tests: a small App over a SQLite store, users and an HTTP client, and
``serve_web`` for tests that need a real server on 127.0.0.1 (browsers, Prometheus)."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher

from tests.engine.scripted import ScriptedMonitor, factory
from warden.config.schema import EngineConfig, WardenConfig
from warden.engine.app import App, monitor_info
from warden.engine.clock import FakeClock
from warden.results import CheckResult, Status
from warden.store.sql import SqlStore
from warden.tables import open_store
from warden.web.app import create_web_app
from warden.web.server import bind, make_server
from warden.web.users import Role, UserBook

PASSWORD = "correct horse battery"
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    s = open_store(f"sqlite:///{tmp_path}/w.db")
    yield s
    s.close()


class Site:
    """An App (not started: results are recorded by hand) with its web app and users."""

    def __init__(self, store: SqlStore, cfg: WardenConfig) -> None:
        self.clock = FakeClock()
        self.store = store
        self.app = App(
            cfg,
            store,
            clock=self.clock,
            rng=random.Random(1),
            probe_factory=factory({}, []),
            maintenance_interval=10**9,
        )
        self.book = UserBook(store.engine, CHEAP_HASHER, now=self.clock.time)
        self.asgi = create_web_app(self.app, book=self.book)
        store.sync_monitors([monitor_info(m) for m in cfg.monitors])
        self.tokens: dict[Role, str] = {}
        for role in Role:
            self.book.add_user(role.label, PASSWORD, role)
            self.tokens[role], _ = self.book.create_token(role.label, "test")

    async def record(self, monitor: str, status: Status, latency: float = 0.05, **kw: Any) -> None:
        await self.app.record(CheckResult(monitor, status, latency, self.clock.time(), **kw))

    def client(self, role: Role | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.asgi, client=("10.1.2.3", 1234)),
            base_url="http://testserver",
            headers=headers,
        )


def monitors(*names: str, group: str = "default", **labels: str) -> list[ScriptedMonitor]:
    return [ScriptedMonitor(name=n, group=group, labels=labels) for n in names]


@pytest.fixture
def make_site(store: SqlStore) -> Callable[..., Site]:
    def make(*mons: ScriptedMonitor, **sections: Any) -> Site:
        cfg = WardenConfig(
            monitors=list(mons), engine=EngineConfig(concurrency=10, jitter=0), **sections
        )
        return Site(store, cfg)

    return make


@pytest.fixture
def site(make_site: Callable[..., Site]) -> Site:
    return make_site(
        *monitors("api", "web", group="shop", team="a"),
        *monitors("db", group="data", team="b"),
    )


@contextlib.asynccontextmanager
async def serve_web(app: App, book: UserBook, *, start: bool = True) -> AsyncIterator[int]:
    """Serve ``app``'s web app on a free 127.0.0.1 port (starting the App unless ``start`` is
    false) until the block ends; yields the port. The store is the caller's to close."""
    sock = bind("127.0.0.1:0")
    server = make_server(create_web_app(app, book=book))
    if start:
        await app.start()
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:  # noqa: ASYNC110 (uvicorn offers only this flag)
            await asyncio.sleep(0.02)
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        await asyncio.wait({serving}, timeout=5)
        if start:
            await app.shutdown()
        sock.close()


@dataclass
class Served:
    url: str
    app: App
    book: UserBook


@contextlib.asynccontextmanager
async def serve_viewer(
    config: WardenConfig, store: SqlStore, *, start: bool = False
) -> AsyncIterator[Served]:
    """``config`` over ``store`` served on 127.0.0.1 with a user ``viewer`` (for the browser
    tests); the App runs only with ``start``. The store is closed when the block ends."""
    app = App(config, store, flush_interval=0.1)
    book = UserBook(store.engine, CHEAP_HASHER)
    book.add_user("viewer", PASSWORD, Role.VIEWER)
    try:
        async with serve_web(app, book, start=start) as port:
            yield Served(f"http://127.0.0.1:{port}", app, book)
    finally:
        store.close()
