"""One scrape target's exposition turned into stored points: gauges as they are, counters as
per-second rates, histogram buckets as per-interval increases.

``parse_exposition`` reads Prometheus text or OpenMetrics with ``prometheus_client``'s parsers
into flat ``Scraped`` series. ``ScrapeState`` remembers one target's counters between scrapes:

- a gauge (or an untyped value, a summary's quantile, an info metric) is kept as it is;
- a counter ``x_total`` becomes ``x_per_second``; a histogram's or summary's ``x_count`` and
  ``x_sum`` become ``x_count_per_second`` and ``x_sum_per_second``;
- a histogram's cumulative ``x_bucket{le=...}`` become ``x_bucket_increase{le=...}``: how many
  observations fell into each bucket alone during the interval (see traffic/buckets.py);
- a counter that went down was reset (the process restarted): its increase is its new value,
  as Prometheus' ``rate`` takes it. The target's first scrape only primes; a series that
  appears later counted from zero since the previous scrape (a route's first requests count).

A series limit bounds what one target may add: series seen before are kept first, new ones
until the limit, and the rest are cut and counted (``scrape_series_dropped``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from warden.traffic.buckets import SUFFIX, le_text, le_value, per_bucket, sparse
from warden.traffic.relabel import Relabeller

OPENMETRICS = "application/openmetrics-text"
ACCEPT = f"{OPENMETRICS};version=1.0.0;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
"""The Accept header of a scrape (what Prometheus itself sends, minus protobuf)."""

_COUNTERS = ("counter",)
_HISTOGRAMS = ("histogram",)
_SUMMARIES = ("summary",)
LabelKey = tuple[tuple[str, str], ...]


class Scraped(NamedTuple):
    """One exposed sample: its family's type and what the sample is within it."""

    name: str
    labels: dict[str, str]
    value: float
    kind: str  # gauge, counter, bucket (cumulative), count, sum


class ExpositionError(ValueError):
    """The body is not Prometheus text or OpenMetrics; the message says where."""


def parse_exposition(body: str, content_type: str = "") -> list[Scraped]:
    """Every sample of ``body``, typed; ``_created`` samples (start times) are left out."""
    if content_type.startswith(OPENMETRICS):
        from prometheus_client.openmetrics.parser import text_string_to_metric_families
    else:
        from prometheus_client.parser import text_string_to_metric_families
    out: list[Scraped] = []
    try:
        for family in text_string_to_metric_families(body):  # type: ignore[no-untyped-call]
            ftype = family.type
            for s in family.samples:
                if s.name.endswith("_created") and ftype in (
                    *_COUNTERS, *_HISTOGRAMS, *_SUMMARIES,
                ):  # fmt: skip
                    continue
                out.append(Scraped(s.name, dict(s.labels), float(s.value), _kind(ftype, s.name)))
    except ValueError as exc:
        raise ExpositionError(f"not Prometheus text or OpenMetrics: {exc}") from None
    return out


def _kind(ftype: str, sample: str) -> str:
    if ftype in _COUNTERS:
        return "counter"
    if ftype in (*_HISTOGRAMS, *_SUMMARIES):
        if sample.endswith("_bucket"):
            return "bucket"
        if sample.endswith("_count"):
            return "count"
        if sample.endswith("_sum"):
            return "sum"
    return "gauge"


@dataclass(frozen=True, slots=True)
class Point:
    """A value to store for this scrape (the collector adds its own labels and the time)."""

    name: str
    labels: Mapping[str, str]
    value: float


@dataclass
class ScrapeResult:
    points: list[Point] = field(default_factory=list)
    series: int = 0  # exposed series after relabelling and the limit
    dropped: int = 0  # series cut by the limit
    # per-bucket increases of each histogram this interval: name -> labels (no le) -> bound
    histograms: dict[str, dict[LabelKey, dict[float, float]]] = field(default_factory=dict)
    # counter increases this interval: name -> labels -> increase
    increases: dict[str, dict[LabelKey, float]] = field(default_factory=dict)
    elapsed: float | None = None  # seconds since the previous scrape (None: first scrape)


class ScrapeState:
    """One target's memory between scrapes: last counter values and the series it may keep."""

    def __init__(self, relabel: Relabeller | None = None, series_limit: int = 2000) -> None:
        self.relabel = relabel or Relabeller([])
        self.series_limit = series_limit
        self._last: dict[tuple[str, LabelKey], float] = {}
        self._last_at: float | None = None
        self._known: set[tuple[str, LabelKey]] = set()
        self._cut: set[tuple[str, LabelKey]] = set()

    def observe(self, scraped: list[Scraped], at: float) -> ScrapeResult:
        kept = self._relabel_and_limit(scraped)
        result = ScrapeResult(series=len(kept[0]), dropped=kept[1])
        elapsed = None if self._last_at is None else at - self._last_at
        if elapsed is not None and elapsed <= 0:
            elapsed = None
        result.elapsed = elapsed
        counters: dict[tuple[str, LabelKey], float] = {}
        cumulative: dict[tuple[str, LabelKey], dict[float, float]] = {}
        for s in kept[0]:
            if not math.isfinite(s.value) and s.kind != "gauge":
                continue
            key = (s.name, tuple(sorted(s.labels.items())))
            if s.kind == "gauge":
                if math.isfinite(s.value):
                    result.points.append(Point(s.name, s.labels, s.value))
                continue
            counters[key] = s.value
            before = self._last.get(key)
            if elapsed is None:
                continue
            if before is None:
                if key in self._cut:
                    continue  # it was exposed before but cut by the limit: only prime
                before = 0.0  # it appeared since the last scrape: it counted from zero
            increase = s.value - before if s.value >= before else s.value
            if s.kind == "bucket":
                le = s.labels.get("le")
                if le is None:
                    continue
                rest = tuple((k, v) for k, v in key[1] if k != "le")
                base = s.name[: -len("_bucket")]
                cumulative.setdefault((base, rest), {})[le_value(le)] = increase
                continue
            rate_name = _rate_name(s.name, s.kind)
            result.points.append(Point(rate_name, s.labels, increase / elapsed))
            result.increases.setdefault(s.name, {})[key[1]] = increase
        for (base, rest), by_bound in cumulative.items():
            buckets = per_bucket(by_bound)
            result.histograms.setdefault(base, {})[rest] = buckets
            for bound, n in sparse(buckets).items():
                result.points.append(Point(base + SUFFIX, {**dict(rest), "le": le_text(bound)}, n))
        self._last, self._last_at = counters, at
        return result

    def _relabel_and_limit(self, scraped: list[Scraped]) -> tuple[list[Scraped], int]:
        relabelled: list[Scraped] = []
        for s in scraped:
            if not self.relabel:
                relabelled.append(s)
                continue
            done = self.relabel.apply(s.name, s.labels)
            if done is not None:
                relabelled.append(s._replace(name=done[0], labels=done[1]))
        if len(relabelled) <= self.series_limit:
            self._known.update((s.name, tuple(sorted(s.labels.items()))) for s in relabelled)
            return relabelled, 0
        keys = [(s.name, tuple(sorted(s.labels.items()))) for s in relabelled]
        known = [s for s, k in zip(relabelled, keys, strict=True) if k in self._known]
        room = max(0, self.series_limit - len(known))
        fresh = [s for s, k in zip(relabelled, keys, strict=True) if k not in self._known][:room]
        kept = (known + fresh)[: self.series_limit]
        # a histogram cut between its buckets would read wrong: keep only whole label sets
        kept = _whole_histograms(kept, relabelled)
        kept_keys = {(s.name, tuple(sorted(s.labels.items()))) for s in kept}
        self._known |= kept_keys
        if len(self._cut) < 100_000:
            self._cut.update(k for k in keys if k not in kept_keys)
        return kept, len(relabelled) - len(kept)


def _whole_histograms(kept: list[Scraped], every: list[Scraped]) -> list[Scraped]:
    def group(s: Scraped) -> tuple[str, LabelKey]:
        rest = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
        return s.name, rest

    exposed: dict[tuple[str, LabelKey], int] = {}
    for s in every:
        if s.kind == "bucket":
            exposed[group(s)] = exposed.get(group(s), 0) + 1
    have: dict[tuple[str, LabelKey], int] = {}
    for s in kept:
        if s.kind == "bucket":
            have[group(s)] = have.get(group(s), 0) + 1
    return [s for s in kept if s.kind != "bucket" or have[group(s)] == exposed[group(s)]]


def _rate_name(name: str, kind: str) -> str:
    if kind == "counter" and name.endswith("_total"):
        name = name[: -len("_total")]
    return name + "_per_second"
