"""The process of ``warden agent``: builds the link, the spool and the agent, runs until
SIGTERM or SIGINT, then seals and tries to send what it measured (what it cannot send stays
on disk for the next start)."""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

from warden.agents.agent import Agent
from warden.agents.link import Link
from warden.agents.spool import Spool

log = logging.getLogger("warden.agent")


async def _main(agent: Agent) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await agent.run(stop)


def run_agent(
    server: str,
    token: str,
    location: str,
    spool_dir: Path,
    *,
    push: float,
    pull: float,
    insecure: bool,
) -> None:
    import uvloop

    link = Link(server, token, location, insecure=insecure)
    spool = Spool(spool_dir)
    agent = Agent(link, spool, push_interval=push, pull_interval=pull)
    waiting = len(spool.pending())
    log.info(
        "agent for location %s: server %s, spool %s (%d batches waiting)",
        location,
        server,
        spool_dir,
        waiting,
    )
    uvloop.run(_main(agent))
    s = agent.stats
    log.info(
        "stopped: %d checks, %d batches sealed, %d sent (%d already stored), %d left on disk",
        s.checks,
        s.batches_sealed,
        s.batches_sent,
        s.duplicates,
        len(spool.pending()),
    )
