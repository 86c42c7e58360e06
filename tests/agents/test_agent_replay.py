"""An agent against a real server on 127.0.0.1 that goes away and comes back: results wait on
disk and are replayed once, over one keep-alive connection, on the server's clock."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.agents.conftest import Server
from tests.ha._http import Target
from warden.agents.agent import Agent
from warden.agents.link import Link
from warden.agents.spool import Spool
from warden.config.schema import build_model
from warden.engine.clock import SystemClock
from warden.store.sql import SqlStore
from warden.web.server import bind, make_server

pytestmark = pytest.mark.integration
SKEW = -30.0  # the agent's machine runs 30 s behind the server


class BehindClock(SystemClock):
    def time(self) -> float:
        return time.time() + SKEW


class KeepingSpool(Spool):
    """A spool that keeps a copy of every batch the server took (to send one again)."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self.sent: list[bytes] = []

    def done(self, path: Path) -> None:
        self.sent.append(path.read_bytes())
        super().done(path)


@asynccontextmanager
async def serving(server: Server, port: int) -> Any:
    sock = bind(f"127.0.0.1:{port}")
    web = make_server(server.asgi)
    task = asyncio.create_task(web.serve(sockets=[sock]))
    try:
        while not web.started:  # noqa: ASYNC110 (uvicorn offers only this flag)
            await asyncio.sleep(0.02)
        yield
    finally:
        web.should_exit = True
        await asyncio.wait({task}, timeout=10)
        sock.close()


async def until(
    what: str, check: Callable[[], bool | Awaitable[bool]], timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if await got if asyncio.iscoroutine(got) else got:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


async def test_results_wait_on_disk_and_are_replayed_once(store: SqlStore, tmp_path: Path) -> None:
    target = Target()
    target.start()
    cfg = build_model().model_validate(
        {"monitors": [{"name": "web", "interval": "1s", "timeout": "1s",
                       "http": {"url": target.url("web")}, "locations": ["eu"]}]}
    )  # fmt: skip
    server = Server(store, cfg, clock=SystemClock())
    sock = bind("127.0.0.1:0")
    port = sock.getsockname()[1]
    sock.close()
    link = Link(f"http://127.0.0.1:{port}", server.tokens["eu"], "eu", clock=BehindClock().time)
    spool = KeepingSpool(tmp_path / "spool")
    agent = Agent(link, spool, push_interval=0.3, clock=BehindClock())
    stop = asyncio.Event()
    running = asyncio.create_task(agent.run(stop))

    def stored() -> int:
        return server.repo.result_counts("eu").get("web", 0)

    try:
        async with serving(server, port):
            await until("results stored", lambda: stored() >= 3)
        await until("batches waiting on disk", lambda: len(spool.pending()) >= 3)
        assert agent.reachable is False
        waiting = len(spool.pending())
        async with serving(server, port):
            await until("the disk replayed", lambda: not spool.pending() and stored() >= 8)
            replays = agent.stats.batches_sent
            # a batch whose answer was lost comes again: it is stored once
            again = await asyncio.to_thread(link.push, spool.sent[0], 0)
            assert again["duplicate"] is True
            stop.set()
            await asyncio.wait_for(running, 30)
    finally:
        stop.set()
        if not running.done():
            running.cancel()
        target.stop()
    assert waiting >= 3
    assert replays >= waiting
    assert agent.stats.checks == stored()  # every check once: nothing lost, nothing twice
    assert not spool.pending()
    assert link.connects <= 3  # one connection per time the server was up (keep-alive)
    assert agent.stats.batches_sent >= 6
    # the agent's clock was 30 s behind; the server stored its results on its own clock
    assert abs(link.offset + SKEW) < 1.0
    latest = server.repo.latest(["web"])["web"]["eu"]
    assert abs(latest.ts - time.time()) < 10.0
    row = server.repo.locations()["eu"]
    assert row.clock_offset is not None
    assert abs(row.clock_offset + SKEW) < 1.0
