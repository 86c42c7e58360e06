"""Fixtures of the agent tests: a server (an App over SQLite, not started, with its web app),
agent tokens, and helpers to push batches as an agent does."""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher

from tests.engine.scripted import factory
from warden.agents.repository import AgentRepository
from warden.config.schema import WardenConfig, build_model
from warden.engine.app import App, monitor_info
from warden.engine.clock import Clock, FakeClock
from warden.store.sql import SqlStore
from warden.tables import open_store
from warden.web.app import create_web_app
from warden.web.users import Role, UserBook

CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
LOCATIONS = ["eu", "us", "ap"]


def config(**extra: Any) -> WardenConfig:
    data = {
        "engine": {"jitter": 0},
        "monitors": [
            {"name": "shop", "interval": "10s", "http": {"url": "http://10.0.0.9/"},
             "locations": LOCATIONS, "quorum": "majority"},
            {"name": "eu-only", "interval": "10s", "tcp": {"host": "10.0.0.9", "port": 22},
             "locations": ["eu"]},
            {"name": "local", "interval": "10s", "tcp": {"host": "127.0.0.1", "port": 1}},
        ],
        **extra,
    }  # fmt: skip
    return build_model().model_validate(data)


class Server:
    def __init__(self, store: SqlStore, cfg: WardenConfig, clock: Clock | None = None) -> None:
        self.clock = clock or FakeClock()
        self.store = store
        self.app = App(cfg, store, clock=self.clock, rng=random.Random(1),
                       probe_factory=factory({}, []), maintenance_interval=10**9)  # fmt: skip
        self.book = UserBook(store.engine, CHEAP, now=self.clock.time)
        self.asgi = create_web_app(self.app, book=self.book)
        store.sync_monitors([monitor_info(m) for m in cfg.monitors])
        self.repo = AgentRepository(store.engine)
        self.tokens = {
            loc: self.repo.create_token(loc, "t", self.clock.time()) for loc in LOCATIONS
        }
        self.book.add_user("viewer", "a long enough password", Role.VIEWER)
        self.user_token, _ = self.book.create_token("viewer", "test")
        self.admin = "admin"
        self.book.add_user(self.admin, "a long enough password", Role.ADMIN)
        self.admin_token, _ = self.book.create_token(self.admin, "test")

    def client(self, token: str | None = None, **headers: str) -> httpx.AsyncClient:
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.asgi, client=("10.1.2.3", 1234)),
            base_url="http://testserver",
            headers=headers,
        )

    async def push(
        self, location: str, batch: str, results: list[dict[str, Any]], offset: float = 0.0
    ) -> httpx.Response:
        body = gzip.compress(json.dumps({"batch": batch, "results": results}).encode())
        async with self.client(self.tokens[location]) as c:
            return await c.post(
                "/api/v1/agent/results",
                content=body,
                headers={
                    "Content-Encoding": "gzip",
                    "Content-Type": "application/json",
                    "X-Warden-Clock-Offset": str(offset),
                    "X-Warden-Location": location,
                },
            )


def result(monitor: str, ts: float, status: int = 0, latency: float = 0.05) -> dict[str, Any]:
    return {"monitor": monitor, "ts": ts, "status": status, "latency": latency,
            "error": "refused" if status == 2 else "", "message": ""}  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    s = open_store(f"sqlite:///{tmp_path}/w.db")
    yield s
    s.close()


@pytest.fixture
def server(store: SqlStore) -> Server:
    return Server(store, config())
