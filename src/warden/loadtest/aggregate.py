"""The parent's view of a run: merges each second from every worker, judges the thresholds.

Per second it adds the workers' reports into the run totals (per name and overall, exact
HdrHistogram sums), the current stage and the sliding window; appends a point to the series;
evaluates every threshold over the window (an ``abort`` threshold failing once the window is
full stops the run) and tracks the breaking point. Memory stays flat: histograms are kept only
for the run, the stage and the window (plus per name where needed), and the series halves its
resolution when it reaches ``MAX_POINTS`` (merged points keep exact counts; their percentiles
are the higher of the two, an upper bound).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, replace

from warden.loadtest.compile import RunPlan
from warden.loadtest.histograms import PERCENTILES
from warden.loadtest.plan import WorkerSecond
from warden.loadtest.results import (
    BreakingPoint,
    Drift,
    NameResult,
    SeriesPoint,
    StageResult,
    ThresholdResult,
)
from warden.loadtest.tally import Tally, merged_tally
from warden.loadtest.thresholds import evaluate, format_actual

MAX_POINTS = 3600


@dataclass(frozen=True, slots=True)
class WindowCheck:
    expr: str
    passed: bool | None
    actual_text: str


@dataclass(frozen=True, slots=True)
class SecondOutcome:
    point: SeriesPoint
    checks: list[WindowCheck]
    abort: str | None
    window_error_rate: float | None


class Aggregator:
    def __init__(self, plan: RunPlan) -> None:
        self.plan = plan
        self.names = plan.names
        self.thresholds = plan.thresholds
        self.window_size = round(plan.window)
        self.window_names = any(t.name is not None for t in plan.thresholds)
        self.total = Tally(self.names)
        self.window: deque[Tally] = deque(maxlen=self.window_size)
        self.boundaries = plan.profile.boundaries()
        self.stage_tallies: dict[int, Tally] = {}
        self.stage_results: list[StageResult] = []
        self.series: list[SeriesPoint] = []
        self.resolution = 1
        self._pending: SeriesPoint | None = None
        self._pending_count = 0
        self.first_failed: dict[str, float] = {}
        self.last_ok: tuple[float, float, float] | None = None
        self.broke: tuple[float, float, list[str]] | None = None
        self.seconds_seen = 0

    def add_second(self, second: int, parts: Sequence[WorkerSecond]) -> SecondOutcome:
        tally = Tally.from_workers(self.names, parts)
        t = float(second)
        self.total.add(tally)
        self._stage_add(t, tally, parts)
        if not self.window_names:
            tally.drop_name_histograms()
        self.window.append(tally)
        self.seconds_seen += 1
        checks, abort, window_error_rate = self._judge_window(t + tally.span)
        point = self._point(t, tally, parts, checks)
        self._append_point(point)
        return SecondOutcome(point, checks, abort, window_error_rate)

    # stages

    def _stage_add(self, t: float, tally: Tally, parts: Sequence[WorkerSecond]) -> None:
        """Results go to the stage that scheduled their requests (the workers group them so);
        the second's counters and span go to the stage its middle falls in."""
        middle = self.plan.profile.stage_index(t + 0.5)
        groups = {g for p in parts for g, names in p.parts() if any(names)}
        if groups <= {middle}:
            self._stage_tally(middle).add(tally)
            return
        counters = Tally(self.names)
        counters.span = tally.span
        counters.intended_count, counters.sent = tally.intended_count, tally.sent
        counters.late_count, counters.dropped_count = tally.late_count, tally.dropped_count
        self._stage_tally(middle).add(counters)
        for g in groups:
            self._stage_tally(g).add(Tally.from_workers(self.names, parts, stage=g))

    def _stage_tally(self, index: int) -> Tally:
        found = self.stage_tallies.get(index)
        if found is None:
            found = self.stage_tallies[index] = Tally(self.names)
        return found

    def _close_stage(self, index: int, tally: Tally) -> None:
        if index >= len(self.plan.profile.stages):
            return
        s = self.plan.profile.stages[index]
        requests = tally.requests()
        passed: bool | None = None
        if self.thresholds and requests:
            results = [evaluate(th, tally)[0] for th in self.thresholds]
            passed = all(r is not False for r in results)
        self.stage_results.append(
            StageResult(
                index=index,
                label=s.label or f"stage {index + 1}",
                start_s=self.boundaries[index],
                end_s=self.boundaries[index + 1],
                target_from=s.start,
                target_to=s.end,
                requests=requests,
                errors=tally.errors(),
                rps=requests / tally.span if tally.span else 0.0,
                error_rate=tally.errors() / requests if requests else 0.0,
                latency=tally.latency(None),
                thresholds_passed=passed,
            )
        )

    # the sliding window

    def _judge_window(self, now: float) -> tuple[list[WindowCheck], str | None, float | None]:
        if not self.window:
            return [], None, None
        window = merged_tally(self.names, list(self.window), self.window_names)
        requests = window.requests()
        error_rate = window.errors() / requests if requests else None
        checks: list[WindowCheck] = []
        failed: list[str] = []
        abort = None
        full = self.seconds_seen >= self.window_size
        all_known = True
        for th in self.thresholds:
            passed, actual = evaluate(th, window)
            checks.append(WindowCheck(th.expr, passed, format_actual(th, actual)))
            if passed is None:
                all_known = False
            elif not passed:
                failed.append(th.expr)
                self.first_failed.setdefault(th.expr, round(now, 3))
                if th.abort and full and abort is None:
                    abort = th.expr
        if self.thresholds:
            target = self.plan.profile.target_at(now)
            rps = requests / window.span if window.span else 0.0
            if failed and self.broke is None:
                self.broke = (now, target, failed)
            elif not failed and all_known and self.broke is None:
                self.last_ok = (now, target, rps)
        return checks, abort, error_rate

    # the series

    def _point(
        self, t: float, tally: Tally, parts: Sequence[WorkerSecond], checks: list[WindowCheck]
    ) -> SeriesPoint:
        h = tally.histogram
        count = h.get_total_count()
        pct = h.get_percentile_to_value_dict(list(PERCENTILES)) if count else {}

        def ms(p: float) -> float | None:
            return pct[p] / 1000.0 if count else None

        requests = tally.requests()
        verdicts = [c.passed for c in checks if c.passed is not None]
        return SeriesPoint(
            t=t,
            span=tally.span,
            target=round(self.plan.profile.target_at(t + tally.span / 2), 3),
            requests=requests,
            errors=tally.errors_by_kind(),
            bytes_in=tally.bytes_in,
            rps=round(requests / tally.span, 3) if tally.span else 0.0,
            p50_ms=ms(50.0),
            p90_ms=ms(90.0),
            p95_ms=ms(95.0),
            p99_ms=ms(99.0),
            max_ms=h.get_max_value() / 1000.0 if count else None,
            late=tally.late,
            dropped=tally.dropped,
            connections=sum(p.connections for p in parts),
            in_flight=sum(p.in_flight for p in parts),
            vus=sum(p.vus for p in parts),
            window_ok=all(verdicts) if verdicts else None,
        )

    def _append_point(self, point: SeriesPoint) -> None:
        if self.resolution == 1 and self._pending is None:
            self.series.append(point)
        else:
            self._pending = point if self._pending is None else merge_points(self._pending, point)
            self._pending_count += 1
            if self._pending_count >= self.resolution:
                self.series.append(self._pending)
                self._pending, self._pending_count = None, 0
        if len(self.series) >= MAX_POINTS:
            self.series = [
                merge_points(a, b) if b is not None else a
                for a, b in zip(self.series[::2], [*self.series[1::2], None], strict=False)
            ]
            self.resolution *= 2

    # the end

    def finish(self) -> None:
        """Close every stage (and flush a partly filled series point)."""
        if self._pending is not None:
            self.series.append(self._pending)
            self._pending = None
        if len(self.series) >= 2 and self.series[-1].span < 0.5:
            # the drain after the last full second: fold it in rather than plot a stub
            last, prev = self.series.pop(), self.series[-1]
            self.series[-1] = replace(
                merge_points(prev, last),
                connections=prev.connections,
                in_flight=prev.in_flight,
                vus=prev.vus,
            )
        for index in sorted(self.stage_tallies):
            tally = self.stage_tallies[index]
            if tally.requests() or tally.span:
                self._close_stage(index, tally)
        self.stage_tallies.clear()

    def threshold_results(self) -> list[ThresholdResult]:
        out = []
        for th in self.thresholds:
            passed, actual = evaluate(th, self.total)
            out.append(
                ThresholdResult(
                    expr=th.expr,
                    abort=th.abort,
                    passed=bool(passed),
                    actual=actual,
                    actual_text=format_actual(th, actual),
                    first_failed_at_s=self.first_failed.get(th.expr),
                )
            )
        return out

    def breaking_point(self) -> BreakingPoint | None:
        if not self.thresholds:
            return None
        ok, broke = self.last_ok, self.broke
        return BreakingPoint(
            last_ok_at_s=ok[0] if ok else None,
            last_ok_target=round(ok[1], 3) if ok else None,
            last_ok_rps=round(ok[2], 3) if ok else None,
            broke_at_s=broke[0] if broke else None,
            broke_at_target=round(broke[1], 3) if broke else None,
            failed=broke[2] if broke else [],
        )

    def name_results(self) -> list[NameResult]:
        out = []
        span = self.total.span or 1.0
        for name in self.names:
            requests = self.total.requests(name)
            errors = self.total.errors(name)
            out.append(
                NameResult(
                    name=name,
                    requests=requests,
                    ok=self.total.ok_count(name),
                    errors=self.total.errors_by_kind(name),
                    bytes_in=self.total.bytes_of(name),
                    rps=round(requests / span, 3),
                    error_rate=errors / requests if requests else 0.0,
                    latency=self.total.latency(name),
                )
            )
        return out

    def drift(self) -> Drift | None:
        """First tenth against last tenth of the longest stage, when it has 20 points or more."""
        stages = self.plan.profile.stages
        if not stages:
            return None
        longest = max(range(len(stages)), key=lambda i: stages[i].duration)
        start, end = self.boundaries[longest], self.boundaries[longest + 1]
        points = [p for p in self.series if start <= p.t < end]
        if len(points) < 20:
            return None
        k = max(1, len(points) // 10)
        first, last = points[:k], points[-k:]
        p_first, p_last = _mean_p95(first), _mean_p95(last)
        change = None
        if p_first and p_last is not None:
            change = round((p_last - p_first) / p_first * 100.0, 2)
        return Drift(
            stage=stages[longest].label or f"stage {longest + 1}",
            p95_first_ms=p_first,
            p95_last_ms=p_last,
            p95_change_pct=change,
            error_rate_first=_error_rate(first),
            error_rate_last=_error_rate(last),
        )


def merge_points(a: SeriesPoint, b: SeriesPoint) -> SeriesPoint:
    errors = dict(a.errors)
    for kind, count in b.errors.items():
        errors[kind] = errors.get(kind, 0) + count
    span = a.span + b.span
    requests = a.requests + b.requests
    verdicts = [v for v in (a.window_ok, b.window_ok) if v is not None]
    return replace(
        a,
        span=span,
        target=b.target,
        requests=requests,
        errors=errors,
        bytes_in=a.bytes_in + b.bytes_in,
        rps=round(requests / span, 3) if span else 0.0,
        p50_ms=_max(a.p50_ms, b.p50_ms),
        p90_ms=_max(a.p90_ms, b.p90_ms),
        p95_ms=_max(a.p95_ms, b.p95_ms),
        p99_ms=_max(a.p99_ms, b.p99_ms),
        max_ms=_max(a.max_ms, b.max_ms),
        late=a.late + b.late,
        dropped=a.dropped + b.dropped,
        connections=b.connections,
        in_flight=b.in_flight,
        vus=b.vus,
        window_ok=all(verdicts) if verdicts else None,
    )


def _max(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def _mean_p95(points: Sequence[SeriesPoint]) -> float | None:
    weighted = [(p.p95_ms, p.requests) for p in points if p.p95_ms is not None and p.requests]
    total = sum(w for _, w in weighted)
    if not total:
        return None
    return round(sum(v * w for v, w in weighted) / total, 3)


def _error_rate(points: Sequence[SeriesPoint]) -> float:
    requests = sum(p.requests for p in points)
    return sum(p.error_count for p in points) / requests if requests else 0.0
