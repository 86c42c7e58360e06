"""``warden agent``: probe the monitors of one location and push the results to the server.

The agent reads its assignment (the location's monitors) from the server, and again whenever
a push answer names another assignment or ``pull_interval`` has passed; it keeps the last one
on disk, so it probes even when started while the server is away. Each monitor runs on its
interval (first checks spread over up to 10 s, ``engine.jitter``-like spread after), with the
same probes and the same hard timeout as ``warden up``.

Every ``push_interval`` the results gathered so far become one batch with its own id, written
to the spool (spool.py) before anything is sent, then the spool is sent oldest first over
the one keep-alive connection. A batch leaves the disk only once the server answered that it
has it; while the server cannot be reached the batches wait there, and they are replayed in
order when it is back. With nothing to send, the agent reads its assignment instead, which
tells the server that it is alive. The clock offset to the server is measured on every
exchange (link.py) and logged when it is more than a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from warden.agents import assignment
from warden.agents.link import Link, LinkError, Refused
from warden.agents.spool import Spool, batch_id
from warden.config.schema import MonitorBase
from warden.engine.app import build_probe
from warden.engine.clock import Clock, SystemClock
from warden.engine.runner import run_check
from warden.errors import ConfigError
from warden.probes import HeartbeatBook, Probe, ProbeConfig, ProbeDeps
from warden.results import CheckResult

log = logging.getLogger("warden.agent")
SKEW_WARNING = 1.0
JITTER = 0.1


@dataclass
class _Running:
    config: MonitorBase
    probe: Probe[ProbeConfig]
    task: asyncio.Task[None]


@dataclass
class AgentStats:
    checks: int = 0
    batches_sealed: int = 0
    batches_sent: int = 0
    duplicates: int = 0
    dropped: int = 0
    sealed: list[tuple[str, int]] = field(default_factory=list)  # (batch id, results), recent


def result_json(r: CheckResult) -> dict[str, Any]:
    return {
        "monitor": r.monitor,
        "ts": round(r.time, 6),
        "status": int(r.status),
        "latency": round(r.latency, 6),
        "error": str(r.error),
        "message": r.message[:2000],
    }


class Agent:
    def __init__(
        self,
        link: Link,
        spool: Spool,
        *,
        push_interval: float = 5.0,
        pull_interval: float = 60.0,
        concurrency: int = 50,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        probe_factory: Callable[[MonitorBase, ProbeDeps], Probe[ProbeConfig]] = build_probe,
    ) -> None:
        self.link = link
        self.spool = spool
        self.push_interval = push_interval
        self.pull_interval = pull_interval
        self.clock = clock or SystemClock()
        self.rng = rng or random.Random()
        self.probe_factory = probe_factory
        self.deps = ProbeDeps(clock=self.clock, heartbeats=HeartbeatBook())
        self.sem = asyncio.Semaphore(concurrency)
        self.running: dict[str, _Running] = {}
        self.pending: list[dict[str, Any]] = []
        self.etag = ""
        self.stats = AgentStats()
        self.reachable: bool | None = None
        self._repull = asyncio.Event()
        self._closing: set[asyncio.Task[None]] = set()
        self._skew_logged = 0.0

    # the run

    async def run(self, stop: asyncio.Event) -> None:
        cached = self.spool.load_assignment()
        if cached is not None:
            self._apply(cached, "the assignment kept on disk")
        tasks = [
            asyncio.create_task(self._pull_loop(), name="pull"),
            asyncio.create_task(self._push_loop(), name="push"),
        ]
        try:
            await stop.wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._stop_monitors(list(self.running))
            self._seal()  # what was measured is kept for the next start
            with contextlib.suppress(LinkError, Refused):
                await asyncio.wait_for(self.flush(), 10.0)
            self.link.close()

    async def _pull_loop(self) -> None:
        while True:
            await self.pull()
            self._repull.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.pull_interval):
                    await self._repull.wait()

    async def pull(self) -> bool:
        """Read the assignment now; False when the server could not be reached."""
        try:
            doc = await asyncio.to_thread(self.link.assignment)
        except Refused as exc:
            log.error("the server refused this agent: %s (check the token and --location)", exc)
            return False
        except LinkError as exc:
            self._unreachable(exc)
            return False
        self._reached()
        if doc.get("etag") != self.etag:
            self._apply(doc, "the server")
            self.spool.save_assignment(doc)
        return True

    def _apply(self, doc: dict[str, Any], source: str) -> None:
        try:
            monitors = assignment.read(doc.get("monitors"))
        except ConfigError as exc:
            log.error("ignoring an assignment from %s that this agent cannot read: %s", source, exc)
            return
        self.etag = str(doc.get("etag", ""))
        wanted = {m.name: m for m in monitors}
        gone = [n for n, r in self.running.items() if wanted.get(n) != r.config]
        for name in gone:
            old = self.running.pop(name)
            old.task.cancel()
            closing = asyncio.get_running_loop().create_task(old.probe.close())
            self._closing.add(closing)
            closing.add_done_callback(self._closing.discard)
        for name, m in wanted.items():
            if name not in self.running:
                probe = self.probe_factory(m, self.deps)
                task = asyncio.create_task(self._monitor_loop(m, probe), name=f"check:{name}")
                self.running[name] = _Running(m, probe, task)
        log.info(
            "assignment from %s: %d monitors (%s)",
            source,
            len(wanted),
            ", ".join(sorted(wanted)) or "none",
        )

    async def _stop_monitors(self, names: list[str]) -> None:
        for name in names:
            r = self.running.pop(name)
            r.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await r.task
            await r.probe.close()

    async def _monitor_loop(self, m: MonitorBase, probe: Probe[ProbeConfig]) -> None:
        await self.clock.sleep(self.rng.uniform(0, min(m.interval, 10.0)))
        while True:
            started = self.clock.monotonic()
            async with self.sem:
                result = await run_check(probe, self.clock.time())
            self.pending.append(result_json(result))
            self.stats.checks += 1
            spread = m.interval * (1 + self.rng.uniform(-JITTER, JITTER))
            await self.clock.sleep(max(spread - (self.clock.monotonic() - started), 0.0))

    # pushing

    async def _push_loop(self) -> None:
        while True:
            await self.clock.sleep(self.push_interval)
            self._seal()
            if not await self.flush() and not self.spool.pending() and self.reachable:
                self._repull.set()  # nothing to send: reading the assignment says "alive"

    def _seal(self) -> None:
        if not self.pending:
            return
        results, self.pending = self.pending, []
        path = self.spool.add({"location": self.link.location, "results": results})
        self.stats.batches_sealed += 1
        self.stats.sealed = [*self.stats.sealed[-999:], (batch_id(path), len(results))]
        self.stats.dropped = self.spool.dropped
        log.debug("sealed batch %s (%d results)", batch_id(path), len(results))

    async def flush(self) -> bool:
        """Send the spooled batches, oldest first; True when at least one was sent."""
        sent = False
        files = self.spool.pending()
        for i, path in enumerate(files):
            try:
                answer = await asyncio.to_thread(
                    self.link.push, self.spool.read(path), len(files) - i - 1
                )
            except Refused as exc:
                if exc.status in (401, 403):
                    log.error("the server refused this agent's batch: %s; keeping it", exc)
                    return sent
                log.error("the server cannot take batch %s (%s); dropping it", path.name, exc)
                self.spool.done(path)
                continue
            except LinkError as exc:
                self._unreachable(exc)
                return sent
            self._reached()
            self.spool.done(path)
            sent = True
            self.stats.batches_sent += 1
            self.stats.duplicates += bool(answer.get("duplicate"))
            if answer.get("assignment") not in (None, self.etag):
                self._repull.set()
        return sent

    # the server's reachability and clock

    def _unreachable(self, exc: Exception) -> None:
        if self.reachable is not False:
            log.warning(
                "cannot reach the server (%s); keeping results on disk in %s",
                exc,
                self.spool.directory,
            )
        self.reachable = False

    def _reached(self) -> None:
        if self.reachable is False:
            log.info("the server is reachable again; sending %d batches", len(self.spool.pending()))
        self.reachable = True
        offset = self.link.offset
        if abs(offset) > SKEW_WARNING and abs(offset - self._skew_logged) > SKEW_WARNING / 2:
            log.warning(
                "this machine's clock is %.3fs %s the server's; result times are corrected",
                abs(offset),
                "behind" if offset > 0 else "ahead of",
            )
            self._skew_logged = offset
