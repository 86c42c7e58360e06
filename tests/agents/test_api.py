"""The agents' API and the server's service: tokens and their one role, idempotent batches,
clock offsets, the per-location view, and verdicts recorded as the monitor's results."""

from __future__ import annotations

import random

import pytest

from tests.agents.conftest import LOCATIONS, Server, config, result
from tests.engine.scripted import factory, settle
from warden.agents.service import AgentsService
from warden.engine.app import App
from warden.engine.clock import FakeClock
from warden.results import Status
from warden.store.sql import SqlStore


async def test_an_agent_token_reads_its_assignment_and_nothing_else(server: Server) -> None:
    async with server.client(server.tokens["eu"]) as c:
        got = await c.get("/api/v1/agent/assignment")
        assert got.status_code == 200
        doc = got.json()
        assert doc["location"] == "eu"
        assert [m["name"] for m in doc["monitors"]] == ["shop", "eu-only"]
        assert "locations" not in doc["monitors"][0]
        assert doc["server_time"] == server.clock.time()
        for path in ("/api/v1/monitors", "/api/v1/agents", "/api/v1/agents/monitors/shop"):
            assert (await c.get(path)).status_code == 401, path
        assert (await c.post("/api/v1/monitors/shop/check")).status_code == 401
    async with server.client(server.tokens["us"]) as c:
        doc = (await c.get("/api/v1/agent/assignment")).json()
        assert [m["name"] for m in doc["monitors"]] == ["shop"]
        wrong = await c.get("/api/v1/agent/assignment", headers={"X-Warden-Location": "eu"})
        assert wrong.status_code == 403


@pytest.mark.parametrize("who", ["none", "viewer", "admin", "revoked", "made-up"])
async def test_other_tokens_do_not_open_the_agent_endpoints(server: Server, who: str) -> None:
    token = {
        "none": None,
        "viewer": server.user_token,
        "admin": server.admin_token,
        "revoked": server.tokens["ap"],
        "made-up": "wagent_" + "x" * 43,
    }[who]
    if who == "revoked":
        [t] = [t for t in server.repo.tokens() if t.location == "ap"]
        assert server.repo.revoke(t.id, server.clock.time())
    async with server.client(token) as c:
        assert (await c.get("/api/v1/agent/assignment")).status_code == 401
        got = await c.post("/api/v1/agent/results", content=b"{}")
        assert got.status_code == 401


async def test_a_batch_is_stored_once_on_the_servers_clock(server: Server) -> None:
    now = server.clock.time()
    batch = [result("shop", now - 5.0), result("shop", now - 2.0, 2), result("local", now)]
    first = await server.push("eu", "batch-0001", batch, offset=1.5)
    assert first.status_code == 200, first.text
    assert first.json()["accepted"] == 2
    assert first.json()["ignored"] == 1  # "local" is not this location's to report
    assert first.json()["duplicate"] is False
    again = await server.push("eu", "batch-0001", batch, offset=1.5)
    assert again.json() == {**first.json(), "accepted": 0, "duplicate": True}
    assert server.repo.result_counts("eu") == {"shop": 2}
    latest = server.repo.latest(["shop"])["shop"]["eu"]
    assert latest.ts == now - 2.0 + 1.5
    assert latest.status is Status.DOWN
    older = await server.push("eu", "batch-0000", [result("shop", now - 30.0)])
    assert older.json()["accepted"] == 1  # a replayed older batch is kept, not the newest
    assert server.repo.latest(["shop"])["shop"]["eu"].ts == now - 0.5
    row = server.repo.locations()["eu"]
    assert row.clock_offset == 0.0
    assert row.batches == 2
    assert row.results == 3


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"batch": "x", "results": []}, 400),
        ({"batch": "ok-batch-1", "results": {}}, 400),
        ({"batch": "ok-batch-2", "results": [{"monitor": "shop"}]}, 400),
    ],
)
async def test_bad_batches_are_refused(
    server: Server, body: dict[str, object], status: int
) -> None:
    async with server.client(server.tokens["eu"]) as c:
        got = await c.post("/api/v1/agent/results", json=body)
    assert got.status_code == status


async def test_the_service_records_the_quorums_verdict(server: Server) -> None:
    service = AgentsService(server.store.engine, tick=1.0)
    service._app = server.app  # judged by hand, no loop
    app = server.app
    now = server.clock.time()
    assert await service.round() == []  # nobody reported: unknown, no result
    assert "shop" in service.unknown
    for loc in LOCATIONS:
        status = 2 if loc == "eu" else 0
        assert (await server.push(loc, f"b-{loc}-0001", [result("shop", now, status)])).is_success
    server.clock.advance(10)
    [got] = [r for r in await service.round() if r.monitor == "shop"]
    assert got.status is Status.DEGRADED  # down in eu only
    assert app.tracker.get("shop") is not None
    now = server.clock.time()
    for loc in ("eu", "us"):
        await server.push(loc, f"b-{loc}-0002", [result("shop", now, 2)])
    server.clock.advance(10)
    [got] = [r for r in await service.round() if r.monitor == "shop"]
    assert got.status is Status.DOWN
    assert "down in eu, us" in got.message
    state = app.tracker.get("shop")
    assert state is not None
    assert state.status is Status.DOWN


async def test_silent_agents_make_their_monitors_unknown_not_down(server: Server) -> None:
    service = AgentsService(server.store.engine)
    await service.start(server.app)  # adds agent-<location> heartbeat monitors
    names = {m.name for m in server.app.config.monitors}
    assert {"agent-eu", "agent-us", "agent-ap"} <= names
    now = server.clock.time()
    for loc in LOCATIONS:
        await server.push(loc, f"b-{loc}-0001", [result("shop", now, 2)])
    server.clock.advance(120)  # every agent silent since
    assert [r for r in await service.round() if r.monitor == "shop"] == []
    assert "shop" in service.unknown
    async with server.client(server.user_token) as c:
        view = (await c.get("/api/v1/agents/monitors/shop")).json()
        agents = (await c.get("/api/v1/agents")).json()
        local = await c.get("/api/v1/agents/monitors/local")
    assert view["state"] == "unknown"
    assert {x["state"] for x in view["locations"]} == {"unknown"}
    assert all("silent" in x["why_unknown"] for x in view["locations"])
    assert [a["location"] for a in agents["agents"]] == sorted(LOCATIONS)
    assert all(a["silent"] for a in agents["agents"])
    assert local.status_code == 404
    await service.stop()


async def test_the_per_location_view_shows_state_and_latency(server: Server) -> None:
    now = server.clock.time()
    await server.push("eu", "b-eu-0001", [result("shop", now, 0, latency=0.120)])
    await server.push("us", "b-us-0001", [result("shop", now, 2, latency=0.5)], offset=-2.5)
    async with server.client(server.user_token) as c:
        view = (await c.get("/api/v1/agents/monitors/shop")).json()
        agents = (await c.get("/api/v1/agents")).json()
    by = {x["location"]: x for x in view["locations"]}
    assert by["eu"]["state"] == "up"
    assert by["eu"]["latency_ms"] == 120.0
    assert by["us"]["state"] == "down"
    assert by["ap"]["state"] == "unknown"
    assert view["required"] == 2
    assert view["state"] == "degraded"
    offsets = {a["location"]: a["clock_offset_ms"] for a in agents["agents"]}
    assert offsets == {"ap": None, "eu": 0.0, "us": -2500.0}


async def test_the_server_never_probes_a_located_monitor(store: SqlStore) -> None:
    log: list[str] = []
    app = App(config(), store, clock=FakeClock(), rng=random.Random(1),
              probe_factory=factory({}, log), maintenance_interval=10**9)  # fmt: skip
    await app.start()
    try:
        for _ in range(30):
            app.clock.advance(1)  # type: ignore[attr-defined]
            await settle()
    finally:
        await app.shutdown()
    assert set(log) == {"local"}  # "shop" and "eu-only" are the agents' to probe
