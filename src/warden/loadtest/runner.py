"""Runs a ``RunPlan``: starts its fleets of workers, merges their seconds, stops them.

The workers are fleets (fleet.py): the worker processes on this machine (``--processes``, one
per core by default), or remote workers (``--workers``, remote.py) each running some of the
processes. The runner waits until every fleet is ready, gives them a common start instant
(each remote one in its own clock), and then merges second ``k`` as soon as every worker
process has reported it or is gone. An ``abort`` threshold, Ctrl-C or the hard deadline
(duration + timeout + ``GRACE``) asks every fleet to stop; workers finish what is in flight
and report. A worker process that ends without its final report, or a remote worker whose
connection breaks, is *lost*: what it reported counts, the rest of the run goes on without
it, and the result is marked partial. The generator's CPU time (every worker process plus
this one) is part of the result.
"""

from __future__ import annotations

import resource
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any

from warden.loadtest.aggregate import Aggregator, SecondOutcome, WindowCheck
from warden.loadtest.compile import RunPlan
from warden.loadtest.fleet import Event, Fleet, LocalFleet
from warden.loadtest.monitor import TargetMonitor
from warden.loadtest.plan import WorkerFinal, WorkerSecond
from warden.loadtest.results import GeneratorStats, HostStats, RunResult

READY_TIMEOUT = 60.0
START_DELAY = 0.2
REMOTE_START_DELAY = 1.0
GRACE = 15.0
KILL_AFTER = 10.0
Tap = Callable[[str, int, WorkerSecond], None]
"""Sees every second of every worker process as it arrives: (fleet name, index, report)."""


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
        fleets: Sequence[Fleet] | None = None,
        tap: Tap | None = None,
    ) -> None:
        self.plan = plan
        self.observer = observer
        self.monitor = monitor or TargetMonitor([])
        self.notes = list(notes or [])
        self.aggregator = Aggregator(plan)
        self.fleets: list[Fleet] = list(fleets) if fleets is not None else []
        self.remote = fleets is not None
        self.tap = tap
        self._stopping = threading.Event()
        self._stop_reason = "completed"
        self._lost: dict[int, tuple[str, float]] = {}
        self._requests: dict[int, int] = {}
        self._started_at = 0.0

    def _interrupt(self, signum: int, frame: object) -> None:
        """Ctrl-C: stop the workers and keep their last reports; a second one gives up."""
        if self._stopping.is_set():
            raise KeyboardInterrupt
        self.request_stop("interrupted")

    def request_stop(self, reason: str) -> None:
        if not self._stopping.is_set():
            self._stop_reason = reason
            self._stopping.set()
            for fleet in self.fleets:
                fleet.stop()

    def run(self) -> RunResult:
        usage0 = resource.getrusage(resource.RUSAGE_SELF)
        if not self.fleets:
            self.fleets = [LocalFleet(self.plan.workers).spawn()]
        previous = _on_sigint(self._interrupt)
        started_at = time.time()
        finals: list[WorkerFinal] = []
        try:
            deadline = time.monotonic() + READY_TIMEOUT
            for fleet in self.fleets:
                fleet.wait_ready(deadline)
            started_at = time.time() + (REMOTE_START_DELAY if self.remote else START_DELAY)
            self._started_at = started_at
            for fleet in self.fleets:
                fleet.start(started_at)
            self.monitor.start(started_at)
            finals = self._collect(started_at)
        finally:
            _on_sigint(previous)
            resources, monitor_notes = self.monitor.stop()
            self.notes += monitor_notes
            for fleet in self.fleets:
                self.notes += fleet.reap()
        usage1 = resource.getrusage(resource.RUSAGE_SELF)
        parent_cpu = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
        cpu = parent_cpu + sum(f.cpu_seconds for f in finals)
        cpu += sum(float(getattr(f, "relay_cpu", 0.0)) for f in self.fleets)
        return self._result(started_at, cpu, resources, finals)

    # merging

    def _collect(self, started_at: float) -> list[WorkerFinal]:
        owners = {i: fleet for fleet in self.fleets for i in fleet.indices}
        count = len(owners)
        pending: dict[int, dict[int, WorkerSecond]] = {}
        finals: dict[int, WorkerFinal] = {}
        gone: set[int] = set()
        next_second = 0
        hard_deadline = started_at + self.plan.duration + self.plan.timeout + GRACE
        while len(gone) < count:
            by_id = {id(w): f for f in self.fleets for w in f.waitables()}
            events: list[Event] = []
            if by_id:
                waitables = [w for f in self.fleets for w in f.waitables()]
                for w in wait(waitables, timeout=0.25):
                    events += by_id[id(w)].read(w)
            else:
                time.sleep(0.05)
                events += [("lost", i, "no report and no connection") for i in owners]
            for fleet in self.fleets:
                events += fleet.check()
            for kind, i, payload in events:
                if i in gone and kind != "second":
                    continue
                if kind == "second":
                    pending.setdefault(payload.second, {})[i] = payload
                    self._requests[i] = self._requests.get(i, 0) + _requests(payload)
                    if self.tap is not None:
                        self.tap(owners[i].name, i, payload)
                elif kind == "done":
                    finals[i] = payload
                    gone.add(i)
                elif kind == "fatal":
                    self.notes.append(f"worker {i} failed: {payload}")
                    self.request_stop("error: a worker failed")
                    gone.add(i)
                elif kind == "lost":
                    self._lose(i, str(payload), time.time() - started_at)
                    gone.add(i)
            while next_second in pending and all(
                i in pending[next_second] or i in gone for i in owners
            ):
                self._merge(next_second, list(pending.pop(next_second).values()))
                next_second += 1
            if time.time() > hard_deadline:
                self.request_stop(self._stop_reason if self._stopping.is_set() else "deadline")
                if time.time() > hard_deadline + KILL_AFTER:
                    for i in set(owners) - gone:
                        self._lose(i, "did not finish by the deadline", time.time() - started_at)
                    break
        for second in sorted(pending):
            self._merge(second, list(pending[second].values()))
        return list(finals.values())

    def _lose(self, index: int, reason: str, at: float) -> None:
        """Record a worker process that is gone without its final report."""
        if index in self._lost:
            return
        first_of_fleet = reason not in {r for r, _ in self._lost.values()}
        self._lost[index] = (reason, round(max(at, 0.0), 3))
        if first_of_fleet:
            self.notes.append(f"{reason} at {max(at, 0.0):.1f}s; the run is partial")

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

    def _hosts(self, finals: list[WorkerFinal]) -> list[HostStats]:
        cpu = {f.index: f.cpu_seconds for f in finals}
        out = []
        for fleet in self.fleets:
            lost = [self._lost[i] for i in fleet.indices if i in self._lost]
            out.append(
                HostStats(
                    name=fleet.name,
                    processes=len(fleet.indices),
                    requests=sum(self._requests.get(i, 0) for i in fleet.indices),
                    cpu_seconds=round(
                        sum(cpu.get(i, 0.0) for i in fleet.indices)
                        + float(getattr(fleet, "relay_cpu", 0.0)),
                        3,
                    ),
                    clock_offset_s=_rounded(getattr(fleet, "offset", None), 4),
                    rtt_ms=_rounded(getattr(fleet, "rtt", None), 3, 1000.0),
                    lost=lost[0][0] if lost else None,
                    lost_at_s=min(t for _, t in lost) if lost else None,
                )
            )
        return out

    def _result(
        self, started_at: float, cpu: float, resources: list[Any], finals: list[WorkerFinal]
    ) -> RunResult:
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
                hosts=self._hosts(finals),
            ),
            notes=self.notes,
            partial=bool(self._lost),
        )


def _requests(second: WorkerSecond) -> int:
    return sum(n.requests for _, names in second.parts() for n in names if n is not None)


def _rounded(value: object, digits: int, scale: float = 1.0) -> float | None:
    return round(float(value) * scale, digits) if isinstance(value, int | float) else None
