"""API-managed monitors run in a real App: created, changed, paused and removed live."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from warden.config.schema import WardenConfig
from warden.engine.app import App
from warden.engine.wiring import build_services
from warden.managed.manager import Manager
from warden.managed.service import ManagedService, service_of
from warden.managed.storage import ManagedRepository
from warden.managed.validate import KINDS
from warden.results import Status
from warden.store.sql import SqlStore
from warden.tables import open_store

MONITORS = KINDS["monitors"]


@contextlib.asynccontextmanager
async def listener() -> AsyncIterator[int]:
    async def accept(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


async def _results(store: SqlStore, name: str, want: int) -> list[Status]:
    """Stored statuses of ``name`` once there are ``want`` (bounded: 200 rounds of 50 ms)."""
    for _ in range(200):
        got = await asyncio.to_thread(store.results, name, 0, 1e11, 100)
        if len(got) >= want:
            return [r.status for r in got]
        await asyncio.sleep(0.05)
    raise AssertionError(f"{name}: fewer than {want} results stored")


@pytest.fixture
def store(tmp_path: Path) -> SqlStore:
    return open_store(f"sqlite:///{tmp_path}/w.db")


async def test_api_monitor_runs_and_produces_results(store: SqlStore) -> None:
    app = App(
        WardenConfig(), store, services=build_services(WardenConfig(), store), flush_interval=0.05
    )
    assert service_of(app) is not None  # warden up runs the managed service
    manager = Manager(ManagedRepository(store.engine), app)
    await app.start()
    try:
        async with listener() as port:
            body = {"name": "local", "interval": "1s", "tcp": {"host": "127.0.0.1", "port": port}}
            row = await manager.create(MONITORS, body, "test")
            assert row["source"] == "api"
            assert await _results(store, "local", 2) == [Status.UP, Status.UP]
            await manager.pause("local", True, "test")
            assert "local" not in app._entries
            await manager.pause("local", False, "test")
            await manager.delete(MONITORS, "local", "test")
            assert app.config.monitors == []
    finally:
        await app.shutdown()
        store.close()


async def test_a_change_made_elsewhere_is_picked_up(store: SqlStore) -> None:
    """Another instance (or process) writes to the store; the running App follows it."""
    service = ManagedService(ManagedRepository(store.engine), poll=0.05)
    app = App(WardenConfig(), store, services=[service])
    await app.start()
    try:
        other = ManagedRepository(store.engine)
        body = {"name": "far", "interval": "1m", "tcp": {"host": "127.0.0.1", "port": 9}}
        other.create("monitors", "far", body, "elsewhere", 0.0)
        for _ in range(200):  # bounded: at most ~10 s
            if "far" in app._entries:
                break
            await asyncio.sleep(0.05)
        assert app.config.monitor("far").source == "api"
        other.set_paused("far", True, "elsewhere", 1.0)
        for _ in range(200):
            if "far" not in app._entries:
                break
            await asyncio.sleep(0.05)
        assert app.config.monitor("far").enabled is False
    finally:
        await app.shutdown()
        store.close()


async def test_yaml_reload_keeps_api_monitors_and_yaml_wins_a_clash(store: SqlStore) -> None:
    from warden.config.loader import parse_config

    repo = ManagedRepository(store.engine)
    repo.create(
        "monitors", "twin", {"name": "twin", "tcp": {"host": "127.0.0.1", "port": 9}}, "t", 0
    )
    repo.create(
        "monitors", "solo", {"name": "solo", "tcp": {"host": "127.0.0.1", "port": 9}}, "t", 0
    )
    app = App(WardenConfig(), store, services=[ManagedService(repo)])
    await app.start()
    try:
        assert sorted(m.name for m in app.config.monitors) == ["solo", "twin"]
        yaml = parse_config("monitors:\n  - name: twin\n    tcp: {host: 127.0.0.1, port: 10}\n")
        await app.reload(yaml)
        got = {m.name: m.source for m in app.config.monitors}
        assert got == {"twin": "yaml", "solo": "api"}
        assert app.config.monitor("twin").probe_config().port == 10
    finally:
        await app.shutdown()
        store.close()
