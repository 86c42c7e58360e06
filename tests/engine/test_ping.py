"""``/ping``: a ping is stored for every instance; one the store refuses is not acknowledged
on a shared store (the instance running the monitor would never see it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from warden.config.schema import build_model
from warden.engine.app import App, monitor_info
from warden.errors import StoreError
from warden.store import SqlStore
from warden.tables import open_store
from warden.web.app import create_web_app


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/w.db"
    else:
        url = request.getfixturevalue("pg_database")
    s = open_store(url)
    yield s
    s.close()


def client(store: SqlStore) -> tuple[App, httpx.AsyncClient]:
    cfg = build_model().model_validate(
        {"monitors": [{"name": "nightly", "interval": "1h", "heartbeat": {"grace": "5m"}}]}
    )
    store.sync_monitors([monitor_info(m) for m in cfg.monitors])
    app = App(cfg, store)
    transport = httpx.ASGITransport(app=create_web_app(app), client=("127.0.0.1", 1234))
    return app, httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_a_ping_is_stored_for_every_instance(store: SqlStore) -> None:
    app, http = client(store)
    async with http:
        answer = await http.post("/ping/nightly")
    assert answer.status_code == 200
    assert answer.json() == {"ok": True, "monitor": "nightly"}
    assert store.last_ping("nightly") == app.heartbeats.last("nightly")


async def test_a_ping_the_store_refuses(store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(monitor: str, at: float) -> None:
        raise StoreError("store write failed: OperationalError: connection refused")

    monkeypatch.setattr(store, "record_heartbeat", refuse)
    app, http = client(store)
    async with http:
        answer = await http.get("/ping/nightly")
    if store.shared:  # the instance running the monitor reads pings from the store
        assert answer.status_code == 503
        assert answer.headers["retry-after"] == "5"
        assert "could not be stored" in answer.json()["error"]["message"]
    else:  # one instance: the ping counts in memory, as before
        assert answer.status_code == 200
        assert app.heartbeats.last("nightly") is not None
