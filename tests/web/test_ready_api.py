"""Readiness through the API: a run started with POST answers 202, one run at a time, and its
result (polled) is the CLI's JSON; a remote target and a bad body are refused; roles hold."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from tests.capacity.test_ready import Shedder
from tests.web.conftest import Site
from warden.web.users import Role

pytestmark = pytest.mark.integration


async def test_a_run_through_the_api(make_site: Callable[..., Site]) -> None:
    site = make_site()
    shedder = Shedder()
    try:
        async with site.client(Role.OPERATOR) as c:
            body = {"target": shedder.url, "traffic": 2, "peak": 10, "steps": 2, "p95_ms": 2000,
                    "step_duration": 1}  # fmt: skip
            started = await c.post("/api/v1/ready", json=body)
            assert started.status_code == 202, started.text
            run = started.json()
            again = await c.post("/api/v1/ready", json=body)
            assert again.status_code == 409
            got = {}
            for _ in range(200):  # bounded: two one-second levels and the start-up
                got = (await c.get(run["url"])).json()
                if got["status"] != "running":
                    break
                await asyncio.sleep(0.1)
            listed = (await c.get("/api/v1/ready")).json()
    finally:
        shedder.close()
    assert got["status"] == "done", got
    assert got["result"]["schema"] == "warden.capacity.ready/v1"
    assert got["result"]["verdict"] == "READY"
    assert listed["runs"][0]["id"] == run["id"]


async def test_refusals(make_site: Callable[..., Site]) -> None:
    site = make_site()
    async with site.client(Role.VIEWER) as viewer:
        assert (await viewer.post("/api/v1/ready", json={"target": "x"})).status_code == 403
    async with site.client(Role.OPERATOR) as c:
        bad = await c.post("/api/v1/ready", json={"target": "http://127.0.0.1:9", "steps": 99})
        assert bad.status_code == 400
        assert "steps" in bad.json()["error"]["message"]
        remote = await c.post("/api/v1/ready", json={"target": "http://192.0.2.1", "peak": 5})
        run = remote.json()
        for _ in range(50):
            got = (await c.get(run["url"])).json()
            if got["status"] != "running":
                break
            await asyncio.sleep(0.1)
        assert got["status"] == "failed"
        assert "not loopback" in got["error"]
        assert (await c.get("/api/v1/ready/999")).status_code == 404
