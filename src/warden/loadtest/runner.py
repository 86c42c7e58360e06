"""Runs a ``RunPlan``: starts one worker process per core, merges their seconds, stops them.

The parent starts the workers with the ``spawn`` method (fresh interpreters: no inherited
threads or sockets, and every worker is a child the parent reaps, so its CPU time is counted
wherever the generator's CPU is measured), waits until each says it is ready, gives them a
common start instant, and then merges second ``k`` as soon as every worker has reported it.
An ``abort`` threshold, Ctrl-C or the hard deadline (duration + timeout + ``GRACE``) sets the
shared stop event; workers finish what is in flight and report. A worker that is still alive
``KILL_AFTER`` seconds later is terminated. The generator's CPU time (every worker plus this
process) is part of the result.
"""

from __future__ import annotations

import contextlib
import importlib.machinery
import multiprocessing as mp
import resource
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection as Pipe
from multiprocessing.connection import wait
from typing import Any

from warden.errors import LoadTestError
from warden.loadtest.aggregate import Aggregator, SecondOutcome, WindowCheck
from warden.loadtest.compile import RunPlan
from warden.loadtest.monitor import TargetMonitor
from warden.loadtest.plan import WorkerFinal, WorkerSecond
from warden.loadtest.results import GeneratorStats, RunResult
from warden.loadtest.worker import worker_main

READY_TIMEOUT = 60.0
START_DELAY = 0.2
GRACE = 15.0
KILL_AFTER = 10.0


@dataclass(frozen=True, slots=True)
class LiveStatus:
    """What the progress view shows after each second."""

    elapsed: float
    duration: float
    stage: str
    stage_number: int
    stages: int
    target: float
    unit: str
    rps: float
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    requests: int
    errors: int
    window_error_rate: float | None
    late: int
    dropped: int
    connections: int
    vus: int
    checks: list[WindowCheck]


Observer = Callable[[LiveStatus], None]


@contextlib.contextmanager
def _main_not_needed() -> Iterator[None]:
    """Start workers without re-running the ``__main__`` script in each of them.

    A spawned child normally re-imports the parent's main script (``warden``, ``pytest``, ...)
    in case the target function lives there; ``worker_main`` does not, and that import costs
    every worker a fraction of a second of CPU. ``spawn`` skips a main module whose spec is
    named ``*.__main__``, so one is given for the duration of ``Process.start()`` when the
    script has none.
    """
    main = sys.modules.get("__main__")
    if main is None or getattr(main, "__spec__", None) is not None:
        yield
        return
    main.__spec__ = importlib.machinery.ModuleSpec("warden.__main__", None)
    try:
        yield
    finally:
        main.__spec__ = None


def _on_sigint(handler: Any) -> Any:
    """Install ``handler`` for SIGINT (main thread only); returns the previous one."""
    if threading.current_thread() is not threading.main_thread() or handler is None:
        return None
    return signal.signal(signal.SIGINT, handler)


class LoadRunner:
    def __init__(
        self,
        plan: RunPlan,
        observer: Observer | None = None,
        monitor: TargetMonitor | None = None,
        notes: list[str] | None = None,
    ) -> None:
        self.plan = plan
        self.observer = observer
        self.monitor = monitor or TargetMonitor([])
        self.notes = list(notes or [])
        self.aggregator = Aggregator(plan)
        self._ctx = mp.get_context("spawn")
        self._stop = self._ctx.Event()
        self._stop_reason = "completed"
        self._totals = [0, 0, 0]  # requests, errors, late+dropped shown live

    def _interrupt(self, signum: int, frame: object) -> None:
        """Ctrl-C: stop the workers and keep their last reports; a second one gives up."""
        if self._stop.is_set():
            raise KeyboardInterrupt
        self.request_stop("interrupted")

    def request_stop(self, reason: str) -> None:
        if not self._stop.is_set():
            self._stop_reason = reason
            self._stop.set()

    def run(self) -> RunResult:
        usage0 = resource.getrusage(resource.RUSAGE_SELF)
        procs, pipes = self._spawn()
        previous = _on_sigint(self._interrupt)
        try:
            self._wait_ready(procs, pipes)
            started_at = time.time() + START_DELAY
            for pipe in pipes:
                pipe.send(("start", started_at))
            self.monitor.start(started_at)
            finals = self._collect(pipes, started_at)
        finally:
            _on_sigint(previous)
            resources, monitor_notes = self.monitor.stop()
            self.notes += monitor_notes
            self._reap(procs)
        usage1 = resource.getrusage(resource.RUSAGE_SELF)
        parent_cpu = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
        cpu = parent_cpu + sum(f.cpu_seconds for f in finals)
        return self._result(started_at, cpu, resources)

    # processes

    def _spawn(self) -> tuple[list[Any], list[Pipe]]:
        procs, pipes = [], []
        with _main_not_needed():
            for wp in self.plan.workers:
                parent_end, child_end = self._ctx.Pipe(duplex=True)
                proc = self._ctx.Process(
                    target=worker_main,
                    args=(wp, child_end, self._stop),
                    name=f"warden-load-{wp.index}",
                    daemon=True,
                )
                proc.start()
                child_end.close()
                procs.append(proc)
                pipes.append(parent_end)
        return procs, pipes

    def _wait_ready(self, procs: list[Any], pipes: list[Pipe]) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        waiting = set(range(len(pipes)))
        while waiting:
            left = deadline - time.monotonic()
            if left <= 0:
                raise LoadTestError("worker processes did not start within 60s")
            for pipe in wait([pipes[i] for i in waiting], timeout=left):
                assert isinstance(pipe, Pipe)
                i = pipes.index(pipe)
                try:
                    message = pipe.recv()
                except EOFError:
                    raise LoadTestError(f"worker {i} exited before it was ready") from None
                if message[0] == "fatal":
                    raise LoadTestError(f"worker {i} could not start: {message[2]}")
                waiting.discard(i)

    def _reap(self, procs: list[Any]) -> None:
        self._stop.set()
        deadline = time.monotonic() + KILL_AFTER
        for proc in procs:
            proc.join(timeout=max(deadline - time.monotonic(), 0.1))
        for proc in procs:
            if proc.is_alive():
                self.notes.append(f"worker {proc.name} did not stop and was terminated")
                proc.terminate()
                proc.join(timeout=5)

    # merging

    def _collect(self, pipes: list[Pipe], started_at: float) -> list[WorkerFinal]:
        count = len(pipes)
        pending: dict[int, dict[int, WorkerSecond]] = {}
        finals: dict[int, WorkerFinal] = {}
        gone: set[int] = set()
        next_second = 0
        hard_deadline = started_at + self.plan.duration + self.plan.timeout + GRACE
        while len(gone) < count:
            ready = wait([p for i, p in enumerate(pipes) if i not in gone], timeout=0.25)
            for pipe in ready:
                assert isinstance(pipe, Pipe)
                i = pipes.index(pipe)
                try:
                    message = pipe.recv()
                except (EOFError, OSError):
                    gone.add(i)
                    if i not in finals:
                        self.notes.append(f"worker {i} ended without its final report")
                    continue
                kind = message[0]
                if kind == "second":
                    report: WorkerSecond = message[2]
                    pending.setdefault(report.second, {})[i] = report
                elif kind == "done":
                    finals[i] = message[2]
                    gone.add(i)
                elif kind == "fatal":
                    self.notes.append(f"worker {i} failed: {message[2]}")
                    self.request_stop("error: a worker failed")
                    gone.add(i)
            while next_second in pending and all(
                i in pending[next_second] or i in gone for i in range(count)
            ):
                self._merge(next_second, list(pending.pop(next_second).values()))
                next_second += 1
            if time.time() > hard_deadline:
                self.request_stop(self._stop_reason if self._stop.is_set() else "deadline")
                if time.time() > hard_deadline + KILL_AFTER:
                    self.notes.append("workers did not finish by the deadline")
                    break
        for second in sorted(pending):
            self._merge(second, list(pending[second].values()))
        if len(finals) < count and not any("failed" in n for n in self.notes):
            raise LoadTestError(f"{count - len(finals)} worker(s) died during the run")
        return list(finals.values())

    def _merge(self, second: int, parts: list[WorkerSecond]) -> None:
        outcome = self.aggregator.add_second(second, parts)
        if outcome.abort is not None:
            self.request_stop(f"aborted: threshold failed: {outcome.abort}")
        if self.observer is not None:
            self.observer(self._status(outcome))

    def _status(self, outcome: SecondOutcome) -> LiveStatus:
        p = outcome.point
        total = self.aggregator.total
        elapsed = p.t + p.span
        profile = self.plan.profile
        index = profile.stage_index(min(elapsed, profile.duration - 1e-9))
        stage = profile.stages[index] if profile.stages else None
        return LiveStatus(
            elapsed=elapsed,
            duration=profile.duration,
            stage=(stage.label if stage and stage.label else f"stage {index + 1}"),
            stage_number=index + 1,
            stages=len(profile.stages),
            target=p.target,
            unit=self.plan.unit,
            rps=p.rps,
            p50_ms=p.p50_ms,
            p95_ms=p.p95_ms,
            p99_ms=p.p99_ms,
            requests=total.requests(),
            errors=total.errors(),
            window_error_rate=outcome.window_error_rate,
            late=total.late,
            dropped=total.dropped,
            connections=p.connections,
            vus=p.vus,
            checks=outcome.checks,
        )

    # the result

    def _result(self, started_at: float, cpu: float, resources: list[Any]) -> RunResult:
        agg = self.aggregator
        agg.finish()
        total = agg.total
        requests = total.requests()
        elapsed = total.span
        reason = self._stop_reason
        if reason == "completed" and total.sent >= self.plan.max_requests:
            reason = "max_requests"
        if self.plan.local:
            self.notes.append(
                "host metrics include the load generator itself (target on this machine)"
            )
        return RunResult(
            name=self.plan.name,
            target=self.plan.target_url,
            model=self.plan.model,
            preset=self.plan.preset,
            unit=self.plan.unit,
            started_at=round(started_at, 3),
            planned_duration_s=self.plan.duration,
            elapsed_s=round(elapsed, 3),
            stop_reason=reason,
            requests=requests,
            ok=total.ok_count(),
            errors=total.errors_by_kind(),
            error_rate=total.errors() / requests if requests else 0.0,
            bytes_in=total.bytes_in,
            rps=round(requests / elapsed, 3) if elapsed else 0.0,
            bytes_per_s=round(total.bytes_in / elapsed, 1) if elapsed else 0.0,
            intended=total.intended,
            sent=total.sent,
            late=total.late,
            dropped=total.dropped,
            latency=total.latency(None),
            by_name=agg.name_results(),
            stages=agg.stage_results,
            series=agg.series,
            series_resolution_s=float(agg.resolution),
            thresholds=agg.threshold_results(),
            breaking_point=agg.breaking_point(),
            drift=agg.drift(),
            resources=resources,
            generator=GeneratorStats(
                workers=len(self.plan.workers),
                cpu_seconds=round(cpu, 3),
                requests_per_cpu_second=round(requests / cpu, 1) if cpu > 0 else None,
            ),
            notes=self.notes,
        )
