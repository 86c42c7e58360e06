"""One worker's results of the current second, kept apart by the stage that scheduled them.

A response is counted for the stage in which its request was scheduled (its origin time), not
the one in which it arrived, so a stage's counts equal what the schedule sent during it. The
current stage is the fast path; an earlier stage's late responses get their own group until the
second is reported.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from warden.loadtest.histograms import encode, new_histogram, record_batch
from warden.loadtest.plan import NameSecond, StagePart

NS = 1_000_000_000


class Results:
    """Latencies (µs), successes, errors by kind and bytes received, per request template."""

    __slots__ = ("errors", "latencies", "ok", "rx")

    def __init__(self, templates: int) -> None:
        self.latencies: list[list[int]] = [[] for _ in range(templates)]
        self.ok = [0] * templates
        self.errors: list[dict[str, int]] = [{} for _ in range(templates)]
        self.rx = [0] * templates

    def take(self) -> tuple[NameSecond | None, ...] | None:
        """The encoded results (None where a template had none), then empty; None if empty."""
        names: list[NameSecond | None] = []
        any_result = False
        for i, latencies in enumerate(self.latencies):
            ok, errors = self.ok[i], self.errors[i]
            if not latencies and not ok and not errors:
                names.append(None)
                continue
            any_result = True
            encoded = None
            if latencies:
                histogram = new_histogram()
                record_batch(histogram, latencies)
                encoded = encode(histogram)
                self.latencies[i] = []
            names.append(
                NameSecond(encoded, ok, {str(k): v for k, v in errors.items()}, self.rx[i])
            )
            self.ok[i] = 0
            self.errors[i] = {}
            self.rx[i] = 0
        return tuple(names) if any_result else None


class StageBook:
    """Maps a request's origin time to the results of its stage."""

    def __init__(self, templates: int, boundaries: Sequence[float]) -> None:
        self.templates = templates
        self.inner = list(boundaries[1:-1])  # seconds at which a next stage begins
        self.edges: list[int] = []
        self.current = 0
        self.lo = 0
        self.hi = 0
        self.by_stage: dict[int, Results] = {0: Results(templates)}

    def start(self, t0_ns: int) -> None:
        """Fix the stage edges once the common start instant is known."""
        self.edges = [t0_ns + int(b * NS) for b in self.inner]
        self._focus(0)

    def _focus(self, stage: int) -> None:
        self.current = stage
        self.lo = self.edges[stage - 1] if stage > 0 else -(2**63)
        self.hi = self.edges[stage] if stage < len(self.edges) else 2**63

    def at(self, origin_ns: int) -> Results:
        """The results of the stage that ``origin_ns`` falls in."""
        if self.lo <= origin_ns < self.hi:
            return self.by_stage[self.current]
        stage = bisect_right(self.edges, origin_ns)
        results = self.by_stage.get(stage)
        if results is None:
            results = self.by_stage[stage] = Results(self.templates)
        if stage > self.current:
            self._focus(stage)
        return results

    def take(self) -> tuple[int, tuple[NameSecond | None, ...], tuple[StagePart, ...]]:
        """This second's (stage, its results, other stages' results); groups are emptied."""
        empty = (None,) * self.templates
        names = self.by_stage[self.current].take() or empty
        others = []
        for stage in sorted(self.by_stage):
            if stage != self.current:
                got = self.by_stage.pop(stage).take()
                if got is not None:
                    others.append(StagePart(stage, got))
        return self.current, names, tuple(others)
