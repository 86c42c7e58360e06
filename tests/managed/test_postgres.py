"""Managed objects on a shared PostgreSQL store: two Apps (two instances) see one change."""

from __future__ import annotations

import asyncio

import pytest

from warden.config.schema import WardenConfig
from warden.engine.app import App
from warden.managed.manager import Manager
from warden.managed.service import ManagedService
from warden.managed.storage import Conflict, ManagedRepository, NotFound
from warden.managed.validate import KINDS
from warden.tables import open_store

pytestmark = pytest.mark.integration

BODY = {"name": "shared", "interval": "1m", "tcp": {"host": "127.0.0.1", "port": 9}}


def test_repository_on_postgres(pg_database: str) -> None:
    store = open_store(pg_database)
    try:
        repo = ManagedRepository(store.engine)
        assert repo.revision() == 0
        repo.create("monitors", "shared", BODY, "t", 1.0)
        with pytest.raises(Conflict):
            repo.create("monitors", "shared", BODY, "t", 2.0)
        repo.set_paused("shared", True, "t", 3.0)
        repo.replace("monitors", "shared", "renamed", {**BODY, "name": "renamed"}, "t", 4.0)
        snap = repo.snapshot()
        assert [r.name for r in snap.records] == ["renamed"]
        assert set(snap.pauses) == {"renamed"}  # the pause follows the rename
        repo.delete("monitors", "renamed")
        with pytest.raises(NotFound):
            repo.delete("monitors", "renamed")
        assert repo.snapshot().pauses == {}
        assert repo.revision() == 4
    finally:
        store.close()


async def test_a_change_on_one_instance_reaches_the_other(pg_database: str) -> None:
    stores = [open_store(pg_database) for _ in range(2)]
    apps = [
        App(WardenConfig(), s, services=[ManagedService(ManagedRepository(s.engine), poll=0.05)])
        for s in stores
    ]
    for app in apps:
        await app.start()
    try:
        one = Manager(ManagedRepository(stores[0].engine), apps[0])
        await one.create(KINDS["monitors"], BODY, "test")
        assert "shared" in apps[0]._entries  # at once where it was made
        for _ in range(200):  # bounded: ~10 s
            if "shared" in apps[1]._entries:
                break
            await asyncio.sleep(0.05)
        assert "shared" in apps[1]._entries  # scheduled on the other instance too
        assert apps[1].config.monitor("shared").source == "api"
        await one.delete(KINDS["monitors"], "shared", "test")
        for _ in range(200):
            if not apps[1].config.monitors:
                break
            await asyncio.sleep(0.05)
        assert [m.name for m in apps[1].config.monitors] == []
    finally:
        for app in apps:
            await app.shutdown()
        for s in stores:
            s.close()


async def test_an_instance_started_later_runs_what_the_api_made(pg_database: str) -> None:
    first = open_store(pg_database)
    app = App(WardenConfig(), first, services=[ManagedService(ManagedRepository(first.engine))])
    await app.start()
    try:
        await Manager(ManagedRepository(first.engine), app).create(KINDS["monitors"], BODY, "t")
    finally:
        await app.shutdown()
        first.close()
    second = open_store(pg_database)
    later = App(WardenConfig(), second, services=[ManagedService(ManagedRepository(second.engine))])
    await later.start()
    try:
        assert "shared" in later._entries
        assert later.config.monitor("shared").source == "api"
    finally:
        await later.shutdown()
        second.close()
