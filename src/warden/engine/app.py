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

from warden import collectors as collector_pkg
from warden import probes as probe_pkg
from warden.config.schema import CollectorBase, MonitorBase, WardenConfig
from warden.engine.bus import (
    CheckCompleted,
    EventBus,
    JobFinished,
    SamplesCollected,
    StateChanged,
    Stored,
)
from warden.engine.clock import Clock, SystemClock
from warden.engine.jobs import Job, JobOutcome
from warden.engine.runner import run_check
from warden.engine.state import StateTracker
from warden.errors import CollectorError
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
    ) -> None:
        self.config = config
        self.base_config = config  # as loaded from YAML; ``config`` adds ``overlay``'s part
        # set by a service (warden.managed) to add monitors kept elsewhere; see ``reload``
        self.overlay: Callable[[WardenConfig], WardenConfig] | None = None
        self.store = store
        self.clock = clock or SystemClock()
        self.bus = bus or EventBus()
        self.heartbeats = HeartbeatBook()
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
        self._apply_collectors(self.config.collectors)
        self.stats.started = self.clock.time()
        self.stats.running = True
        self._spawn(self._schedule_loop(), "scheduler")
        self._spawn(self._flush_loop(), "writer")
        self._spawn(self._maintenance_loop(), "maintenance")
        for job in self.jobs:
            self._spawn(self._job_loop(job), f"job:{job.name}")
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
            if task.get_name() in {"scheduler", "maintenance"} or task.get_name().startswith(
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
        self._apply_collectors(config.collectors)
        self._wake.set()

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
        wanted = {m.name: m for m in monitors if m.enabled}
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
                lag = now - due
                self.stats.last_lag = lag
                self.stats.max_lag = max(self.stats.max_lag, lag)
                await self._sem.acquire()
                entry.running = True
                self._spawn(self._check(entry, due), f"check:{name}")
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

    async def _check(self, entry: _Entry, due: float) -> None:
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
        if current is entry:
            self._push(max(due + interval, self.clock.monotonic()), m.name, entry.generation)
            if self._heap[0][2] == m.name:
                self._wake.set()

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

    async def heartbeat(self, monitor: str) -> None:
        at = self.clock.time()
        self.heartbeats.ping(monitor, at)
        await asyncio.to_thread(self.store.record_heartbeat, monitor, at)

    # -- collectors ----------------------------------------------------------------------

    def _apply_collectors(self, configs: Sequence[CollectorBase]) -> None:
        wanted = {c.display_name(): c for c in configs if c.enabled}
        for name, (cfg, task) in list(self._collectors.items()):
            if wanted.get(name) != cfg:
                task.cancel()
                del self._collectors[name]
        for name, cfg in wanted.items():
            if name in self._collectors:
                continue
            cls = collector_pkg.REGISTRY.get(cfg.collector_type())
            collector = cls(name, cfg.collector_config(), self.clock)
            task = self._spawn(self._collector_loop(collector, cfg), f"collector:{name}")
            self._collectors[name] = (cfg, task)

    async def _collector_loop(
        self, collector: collector_pkg.Collector[Any], cfg: CollectorBase
    ) -> None:
        try:
            while not self._stop.is_set():
                now = self.clock.time()
                try:
                    async with asyncio.timeout(cfg.interval):
                        samples = await collector.collect()
                    up = 1.0
                except (CollectorError, TimeoutError) as exc:
                    log.warning("collector %s: %s", collector.name, describe_exception(exc))
                    samples, up = [], 0.0
                except Exception:
                    log.exception("collector %s failed unexpectedly", collector.name)
                    samples, up = [], 0.0
                if cfg.labels:
                    samples = [s._replace(labels={**s.labels, **cfg.labels}) for s in samples]
                samples.append(
                    Sample("warden_collector_up", {"collector": collector.name}, up, now)
                )
                self._samples.extend(samples)
                await self.bus.publish(SamplesCollected(collector.name, samples))
                await self.clock.sleep(cfg.interval)
        finally:
            await collector.close()

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

    async def _maintenance_loop(self) -> None:
        retention = self.config.store.retention
        while not self._stop.is_set():
            await self.clock.sleep(self.maintenance_interval)
            now = self.clock.time()
            try:
                await asyncio.to_thread(self.store.rollup, now)
                await asyncio.to_thread(
                    self.store.prune, now, retention.raw, retention.minute, retention.hour
                )
            except Exception as exc:
                log.error("store maintenance failed: %s", describe_exception(exc))

    # -- jobs ----------------------------------------------------------------------------

    async def _job_loop(self, job: Job) -> None:
        while not self._stop.is_set():
            now = self.clock.time()
            await self.clock.sleep(max(0.0, job.next_after(now) - now))
            started = self.clock.time()
            try:
                outcome = await job.run()
            except Exception as exc:
                log.exception("job %s failed", job.name)
                outcome = JobOutcome(False, describe_exception(exc))
            await self.bus.publish(
                JobFinished(job.name, outcome.ok, outcome.message, started, self.clock.time())
            )

    # -- queries for the CLI and web -----------------------------------------------------

    def states(self) -> list[MonitorState]:
        return self.tracker.all()
