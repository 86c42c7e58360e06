"""The App: Warden's composition root and its event loop.

It builds probes and collectors from the config, schedules every monitor on its interval with
jitter under a global concurrency limit, folds results into per-monitor state, and hands them
to the store in batches from a writer thread. It also runs scheduled jobs, rollups and
retention, serves the web endpoints, and reloads the config without losing state.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from warden import probes as probe_pkg
from warden.config.schema import CollectorBase, MonitorBase, WardenConfig
from warden.engine import background
from warden.engine.bus import (
    CheckCompleted,
    EventBus,
    StateChanged,
    Stored,
)
from warden.engine.clock import Clock, SystemClock
from warden.engine.jobs import Job
from warden.engine.runner import run_check
from warden.engine.sharing import LEASE, Sharing, WorkShare, monitor_key
from warden.engine.state import StateTracker
from warden.probes import HeartbeatBook, Probe, ProbeConfig, ProbeDeps
from warden.results import CheckResult, Sample, Status, describe_exception
from warden.store.protocol import MonitorInfo, MonitorState, Store

log = logging.getLogger("warden.engine")
MAX_BUFFER = 1_000_000  # results+samples held while the store is unreachable


def build_probe(m: MonitorBase, deps: ProbeDeps) -> Probe[ProbeConfig]:
    cls = probe_pkg.REGISTRY.get(m.probe_type())
    if cls.needs_interval:  # push monitors judge lateness by the interval
        probe = cls(m.name, m.probe_config(), m.timeout, deps, interval=m.interval)  # type: ignore[call-arg]
    else:
        probe = cls(m.name, m.probe_config(), m.timeout, deps)
    probe.prepare()  # drivers load now, not inside the first timed check
    return probe


def monitor_info(m: MonitorBase) -> MonitorInfo:
    cfg = m.probe_config()
    return MonitorInfo(m.name, m.probe_type(), m.group, cfg.target() if cfg is not None else "")


ProbeFactory = Callable[[MonitorBase, ProbeDeps], Probe[ProbeConfig]]


class Service(Protocol):
    """A part that lives as long as the App (alerting, notifications, ...).

    ``start`` is called after the App has loaded its state and started its loops; it may
    subscribe to ``app.bus`` and spawn tasks with ``app.spawn``. ``stop`` is called before
    the App's final flush, in reverse order of start.
    """

    async def start(self, app: App) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class _Entry:
    config: MonitorBase
    probe: Probe[ProbeConfig]
    generation: int
    running: bool = False


@dataclass
class EngineStats:
    """Counters about Warden itself (exposed on /metrics)."""

    checks: int = 0
    stored_results: int = 0
    stored_samples: int = 0
    store_errors: int = 0
    max_lag: float = 0.0
    last_lag: float = 0.0
    dropped: int = 0
    started: float = 0.0
    running: bool = False


class App:
    def __init__(
        self,
        config: WardenConfig,
        store: Store,
        *,
        clock: Clock | None = None,
        bus: EventBus | None = None,
        jobs: Sequence[Job] = (),
        flush_interval: float = 0.5,
        maintenance_interval: float = 60.0,
        rng: random.Random | None = None,
        probe_factory: ProbeFactory = build_probe,
        services: Sequence[Service] = (),
        lease: float = LEASE,
    ) -> None:
        self.config = config
        self.base_config = config  # as loaded from YAML; ``config`` adds ``overlay``'s part
        # set by a service (warden.managed) to add monitors kept elsewhere; see ``reload``
        self.overlay: Callable[[WardenConfig], WardenConfig] | None = None
        self.store = store
        self.clock = clock or SystemClock()
        self.bus = bus or EventBus()
        self.share = WorkShare(store, lease=lease)  # which work is ours (all on SQLite)
        self.sharing = Sharing(self, self.share)
        self.heartbeats = HeartbeatBook(self._stored_ping if self.share.shared else None)
        self.deps = ProbeDeps(clock=self.clock, heartbeats=self.heartbeats)
        self.jobs = list(jobs)
        self.flush_interval = flush_interval
        self.maintenance_interval = maintenance_interval
        self.rng = rng or random.Random()
        self.probe_factory = probe_factory
        self.services = list(services)
        self.stats = EngineStats()
        self.tracker = StateTracker({})
        self._entries: dict[str, _Entry] = {}
        self._heap: list[tuple[float, int, str, int]] = []
        self._seq = 0
        self._generation = 0
        self._results: list[CheckResult] = []
        self._samples: list[Sample] = []
        self._states: dict[str, MonitorState] = {}
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._sem = asyncio.Semaphore(config.engine.concurrency)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._collectors: dict[str, tuple[CollectorBase, asyncio.Task[None]]] = {}
        self._flush_lock = asyncio.Lock()
        self._flush_now = asyncio.Event()

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Load stored state, build monitors and collectors, start the background loops."""
        infos = [monitor_info(m) for m in self.config.monitors]
        await asyncio.to_thread(self.store.sync_monitors, infos)
        previous = await asyncio.to_thread(self.store.states)
        for name, at in (await asyncio.to_thread(self.store.heartbeats)).items():
            self.heartbeats.ping(name, at)
        self.tracker = StateTracker({m.name: m.retries for m in self.config.monitors}, previous)
        self._apply_monitors(self.config.monitors)
        background.apply_collectors(self, self.config.collectors)
        if self.share.shared:  # take this instance's share before the first check
            await self.sharing.round()
            self._spawn(self.sharing.loop(), "share")
        self.stats.started = self.clock.time()
        self.stats.running = True
        self._spawn(self._schedule_loop(), "scheduler")
        self._spawn(self._flush_loop(), "writer")
        self._spawn(background.maintenance_loop(self), "maintenance")
        for job in self.jobs:
            self._spawn(background.job_loop(self, job), f"job:{job.name}")
        for service in self.services:
            await service.start(self)

    async def run(self) -> None:
        """Start and run until ``stop()``; then shut down cleanly."""
        await self.start()
        await self._stop.wait()
        await self.shutdown()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    async def wait_stopped(self) -> None:
        """Wait until ``stop()`` is called."""
        await self._stop.wait()

    async def shutdown(self) -> None:
        """Stop scheduling, let running checks finish briefly, store everything, close."""
        self.stats.running = False
        self._stop.set()
        self._wake.set()
        for task in list(self._tasks):
            name = task.get_name()
            if name in {"scheduler", "maintenance", "share"} or name.startswith(
                ("job:", "collector:", "service:")
            ):
                task.cancel()
        checks = [t for t in self._tasks if t.get_name().startswith("check:")]
        if checks:
            await asyncio.wait(checks, timeout=5.0)
        for service in reversed(self.services):
            try:
                await service.stop()
            except Exception:
                log.exception("service %r failed to stop", service)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.flush()
        if self.share.shared:  # the others take over at their next round, not after the lease
            try:
                await self.share.leave()
            except Exception as exc:
                log.warning("could not hand over this instance's work: %s", describe_exception(exc))
        for entry in self._entries.values():
            await entry.probe.close()

    async def reload(self, config: WardenConfig) -> None:
        """Apply a new config: unchanged monitors keep their schedule and state.

        ``config`` is the YAML's; ``overlay``, when set, adds what is managed elsewhere (and
        is re-applied by calling ``reload(app.base_config)`` after that changes)."""
        self.base_config = config
        if self.overlay is not None:
            config = self.overlay(config)
        self.config = config
        await asyncio.to_thread(
            self.store.sync_monitors, [monitor_info(m) for m in config.monitors]
        )
        self.tracker.retries = {m.name: m.retries for m in config.monitors}
        self._apply_monitors(config.monitors)
        background.apply_collectors(self, config.collectors)
        self._wake.set()
        self.sharing.wake.set()  # claim new monitors now rather than at the next renewal

    def spawn(self, coro: Any, name: str) -> asyncio.Task[Any]:
        """Run ``coro`` as a task the App cancels on shutdown (for services)."""
        return self._spawn(coro, f"service:{name}")

    def _spawn(self, coro: Any, name: str) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- monitors ------------------------------------------------------------------------

    def _apply_monitors(self, monitors: Sequence[MonitorBase]) -> None:
        # a monitor with locations is probed by agents; warden.agents records its results
        wanted = {m.name: m for m in monitors if m.enabled and not m.locations}
        for name in list(self._entries):
            if name not in wanted:
                old = self._entries.pop(name)
                self._spawn(old.probe.close(), f"close:{name}")
        now = self.clock.monotonic()
        for name, m in wanted.items():
            entry = self._entries.get(name)
            if entry is not None and entry.config == m:
                continue
            if entry is not None:
                self._spawn(entry.probe.close(), f"close:{name}")
            self._generation += 1
            self._entries[name] = _Entry(m, self.probe_factory(m, self.deps), self._generation)
            # spread first checks over the interval so 10,000 monitors do not start at once
            self._push(now + self.rng.uniform(0, min(m.interval, 10.0)), name, self._generation)

    def _push(self, due: float, name: str, generation: int) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (due, self._seq, name, generation))

    async def _schedule_loop(self) -> None:
        while not self._stop.is_set():
            now = self.clock.monotonic()
            while self._heap and self._heap[0][0] <= now:
                due, _, name, generation = heapq.heappop(self._heap)
                entry = self._entries.get(name)
                if entry is None or entry.generation != generation:
                    continue
                if self.share.shared and monitor_key(name) not in self.share.held:
                    continue  # another instance runs it; ``take_over`` schedules it if ours
                lag = now - due
                self.stats.last_lag = lag
                self.stats.max_lag = max(self.stats.max_lag, lag)
                await self._sem.acquire()
                entry.running = True
                self._spawn(self._check(entry, due, generation), f"check:{name}")
                now = self.clock.monotonic()
            wait = min(self._heap[0][0] - now, 1.0) if self._heap else 1.0
            await self._sleep_or_wake(wait)

    async def _sleep_or_wake(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        self._wake.clear()
        sleeper = asyncio.ensure_future(self.clock.sleep(seconds))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            waker.cancel()

    async def _check(self, entry: _Entry, due: float, generation: int) -> None:
        try:
            result = await run_check(entry.probe, self.clock.time())
        finally:
            self._sem.release()
            entry.running = False
        await self.record(result)
        m = entry.config
        interval = m.interval * (
            1 + self.rng.uniform(-self.config.engine.jitter, self.config.engine.jitter)
        )
        state = self.tracker.get(m.name)
        retrying = result.status is Status.DOWN and (
            state is None or state.status is not Status.DOWN
        )
        if retrying and m.retries:
            interval = min(interval, m.retry_interval or interval)
        current = self._entries.get(m.name)
        if current is entry and entry.generation == generation:
            self._push(max(due + interval, self.clock.monotonic()), m.name, entry.generation)
            if self._heap[0][2] == m.name:
                self._wake.set()

    def take_over(self, name: str, states_read: bool = True) -> None:
        """Schedule a monitor this instance just took from another: its first check comes an
        interval after the last stored one (spread like first checks), never sooner. When the
        stored states could not be read (``states_read`` false), what this instance knows may
        be older than the other's last check: the first check waits a whole interval."""
        entry = self._entries.get(name)
        if entry is None:
            return
        m = entry.config
        self._generation += 1
        entry.generation = self._generation
        now = self.clock.monotonic()
        due = now + self.rng.uniform(0, min(m.interval, 10.0))
        state = self.tracker.get(name)
        if not states_read:
            due = now + m.interval
        elif state is not None:
            due = max(due, now + state.last_ts + m.interval - self.clock.time())
        self._push(due, name, entry.generation)
        self._wake.set()

    def running(self, names: set[str]) -> bool:
        """Whether a check of one of ``names`` is running."""
        return any(e.running for n, e in self._entries.items() if n in names)

    async def record(self, result: CheckResult) -> None:
        """Fold a result into state, queue it for the store and tell subscribers."""
        self.stats.checks += 1
        state, old, changed = self.tracker.observe(result)
        self._results.append(result)
        if state is not None:
            self._states[state.monitor] = state
        await self.bus.publish(CheckCompleted(result))
        if changed and state is not None:
            await self.bus.publish(
                StateChanged(result.monitor, old, state.status, state.since, result)
            )
        if len(self._results) >= 5000:
            self._wake_flush()

    async def check_now(self, names: Sequence[str]) -> list[CheckResult]:
        """Run the named monitors now (outside their schedule) and record the results."""
        out = []
        for name in names:
            entry = self._entries[name]
            result = await run_check(entry.probe, self.clock.time())
            await self.record(result)
            out.append(result)
        return out

    # -- heartbeats ----------------------------------------------------------------------

    async def heartbeat(self, monitor: str) -> bool:
        """Record a ping; False when the store did not take it (then on a shared store the
        instance running the monitor may not see it)."""
        at = self.clock.time()
        self.heartbeats.ping(monitor, at)
        try:
            await asyncio.to_thread(self.store.record_heartbeat, monitor, at)
        except Exception as exc:
            log.error("ping of %s not stored: %s", monitor, describe_exception(exc))
            return False
        return True

    async def _stored_ping(self, monitor: str) -> float | None:
        try:
            return await asyncio.to_thread(self.store.last_ping, monitor)
        except Exception as exc:  # judge from the pings this instance received
            log.warning("cannot read the last ping of %s: %s", monitor, describe_exception(exc))
            return None

    # -- store ---------------------------------------------------------------------------

    def _wake_flush(self) -> None:
        self._flush_now.set()

    async def _flush_loop(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(TimeoutError):
                # real time on purpose: batching is about I/O, not about the watched clock
                await asyncio.wait_for(self._flush_now.wait(), self.flush_interval)
            self._flush_now.clear()
            await self.flush()

    async def flush(self) -> None:
        """Write what is buffered; on a store error keep it (bounded) and try again later."""
        async with self._flush_lock:
            results, samples, states = self._results, self._samples, list(self._states.values())
            if not (results or samples or states):
                return
            self._results, self._samples, self._states = [], [], {}
            try:
                await asyncio.to_thread(self.store.write, results, samples, states)
            except Exception as exc:  # StoreError or a driver error: keep the batch
                self.stats.store_errors += 1
                log.error("store write failed, will retry: %s", describe_exception(exc))
                self._results = results + self._results
                self._samples = samples + self._samples
                for st in states:
                    self._states.setdefault(st.monitor, st)
                overflow = len(self._results) + len(self._samples) - MAX_BUFFER
                if overflow > 0:
                    self.stats.dropped += overflow
                    del self._samples[: min(overflow, len(self._samples))]
                return
            self.stats.stored_results += len(results)
            self.stats.stored_samples += len(samples)
            log.debug(
                "stored %d results, %d samples (total %d results)",
                len(results),
                len(samples),
                self.stats.stored_results,
            )
            await self.bus.publish(Stored(len(results), len(samples)))

    # -- queries for the CLI and web -----------------------------------------------------

    def states(self) -> list[MonitorState]:
        return self.tracker.all()
