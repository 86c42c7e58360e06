"""Counts and latency histograms of a span of a run (a second, the window, a stage, the run).

A ``Tally`` holds one overall HdrHistogram, optionally one per request name, and the counters;
``add`` merges another tally into it exactly. It answers the ``StatsView`` questions the
thresholds ask, so the same code judges the sliding window, each stage and the whole run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from warden.loadtest.histograms import (
    LatencySummary,
    decode,
    merge_into,
    new_histogram,
    summarize,
)
from warden.loadtest.plan import NameSecond, WorkerSecond


class Tally:
    def __init__(self, names: Sequence[str], per_name_histograms: bool = True) -> None:
        self.names = tuple(names)
        self.index = {n: i for i, n in enumerate(self.names)}
        self.histogram: Any = new_histogram()
        self.name_histograms: list[Any] | None = (
            [new_histogram() for _ in self.names] if per_name_histograms else None
        )
        self.ok = [0] * len(self.names)
        self.name_errors: list[dict[str, int]] = [{} for _ in self.names]
        self.name_bytes = [0] * len(self.names)
        self.span = 0.0
        self.intended_count = 0
        self.sent = 0
        self.late_count = 0
        self.dropped_count = 0
        self._summaries: dict[str | None, LatencySummary] = {}

    # building

    @classmethod
    def from_workers(
        cls, names: Sequence[str], parts: Sequence[WorkerSecond], stage: int | None = None
    ) -> Tally:
        """One second, merged from every worker's report of it; with ``stage``, only the
        results of requests that stage scheduled (and no counters of the second)."""
        tally = cls(names)
        assert tally.name_histograms is not None
        if stage is None:
            tally.span = max((p.span for p in parts), default=0.0)
        for part in parts:
            if stage is None:
                tally.intended_count += part.intended
                tally.sent += part.sent
                tally.late_count += part.late
                tally.dropped_count += part.dropped
            for group_stage, group in part.parts():
                if stage is None or group_stage == stage:
                    tally._add_names(group)
        for h in tally.name_histograms:
            merge_into(tally.histogram, h)
        return tally

    def _add_names(self, group: Sequence[NameSecond | None]) -> None:
        assert self.name_histograms is not None
        for i, ns in enumerate(group):
            if ns is None:
                continue
            self.ok[i] += ns.ok
            self.name_bytes[i] += ns.bytes_in
            errors = self.name_errors[i]
            for kind, count in ns.errors.items():
                errors[kind] = errors.get(kind, 0) + count
            if ns.histogram is not None:
                merge_into(self.name_histograms[i], decode(ns.histogram))

    def add(self, other: Tally) -> None:
        merge_into(self.histogram, other.histogram)
        if self.name_histograms is not None and other.name_histograms is not None:
            for mine, theirs in zip(self.name_histograms, other.name_histograms, strict=True):
                merge_into(mine, theirs)
        for i in range(len(self.names)):
            self.ok[i] += other.ok[i]
            self.name_bytes[i] += other.name_bytes[i]
            errors = self.name_errors[i]
            for kind, count in other.name_errors[i].items():
                errors[kind] = errors.get(kind, 0) + count
        self.span += other.span
        self.intended_count += other.intended_count
        self.sent += other.sent
        self.late_count += other.late_count
        self.dropped_count += other.dropped_count
        self._summaries.clear()

    def drop_name_histograms(self) -> None:
        """Free the per-name histograms (kept only where a threshold needs them)."""
        self.name_histograms = None

    # questions (StatsView)

    def latency(self, name: str | None) -> LatencySummary:
        if name not in self._summaries:
            if name is None:
                h = self.histogram
            elif self.name_histograms is not None:
                h = self.name_histograms[self.index[name]]
            else:
                return LatencySummary.empty()
            self._summaries[name] = summarize(h)
        return self._summaries[name]

    def requests(self, name: str | None = None) -> int:
        if name is None:
            return sum(self.ok) + self.errors()
        i = self.index[name]
        return self.ok[i] + sum(self.name_errors[i].values())

    def errors(self, name: str | None = None, kind: str | None = None) -> int:
        rows = self.name_errors if name is None else [self.name_errors[self.index[name]]]
        if kind is None:
            return sum(sum(r.values()) for r in rows)
        return sum(r.get(kind, 0) for r in rows)

    def errors_by_kind(self, name: str | None = None) -> dict[str, int]:
        rows = self.name_errors if name is None else [self.name_errors[self.index[name]]]
        out: dict[str, int] = {}
        for r in rows:
            for kind, count in r.items():
                out[kind] = out.get(kind, 0) + count
        return dict(sorted(out.items()))

    def ok_count(self, name: str | None = None) -> int:
        return sum(self.ok) if name is None else self.ok[self.index[name]]

    def bytes_of(self, name: str | None = None) -> int:
        return sum(self.name_bytes) if name is None else self.name_bytes[self.index[name]]

    @property
    def seconds(self) -> float:
        return self.span

    @property
    def bytes_in(self) -> int:
        return sum(self.name_bytes)

    @property
    def late(self) -> int:
        return self.late_count

    @property
    def dropped(self) -> int:
        return self.dropped_count

    @property
    def intended(self) -> int:
        return self.intended_count


def merged_tally(names: Sequence[str], tallies: Sequence[Tally], per_name: bool) -> Tally:
    out = Tally(names, per_name)
    for t in tallies:
        out.add(t)
    return out
