"""HDR histograms: batched recording equals one-by-one recording; merging is exact."""

from __future__ import annotations

import random

from warden.loadtest.histograms import (
    HIGHEST_US,
    decode,
    encode,
    merged,
    new_histogram,
    record_batch,
    summarize,
)


def _counts(h: object) -> list[int]:
    return list(h.counts)  # type: ignore[attr-defined]


def test_batch_recording_equals_recording_each_value() -> None:
    rng = random.Random(1)
    values = [rng.randint(1, 5_000_000) for _ in range(20_000)]
    one_by_one = new_histogram()
    for v in values:
        one_by_one.record_value(v)
    batched = new_histogram()
    assert record_batch(batched, values) == len(values)
    assert _counts(batched) == _counts(one_by_one)
    assert summarize(batched) == summarize(one_by_one)


def test_merging_encoded_worker_histograms_is_exact() -> None:
    rng = random.Random(2)
    everything = new_histogram()
    parts = []
    for worker in range(4):
        values = [int(rng.lognormvariate(8 + worker, 1.5)) + 1 for _ in range(5_000)]
        part = new_histogram()
        record_batch(part, values)
        record_batch(everything, values)
        parts.append(decode(encode(part)))  # the trip through the pipe
    combined = merged(parts)
    assert combined.get_total_count() == 20_000
    assert _counts(combined) == _counts(everything)
    assert summarize(combined) == summarize(everything)
    assert combined.get_max_value() == everything.get_max_value()
    assert combined.get_min_value() == everything.get_min_value()


def test_values_out_of_range_are_clamped_not_lost() -> None:
    h = new_histogram()
    record_batch(h, [0, -5, HIGHEST_US * 10])
    assert h.get_total_count() == 3


def test_summary_is_in_milliseconds() -> None:
    h = new_histogram()
    record_batch(h, [1000] * 99 + [250_000])
    s = summarize(h)
    assert s.count == 100
    assert s.p50_ms == 1.0
    assert s.p99_ms == 1.0
    assert s.max_ms is not None
    assert 249.0 < s.max_ms < 251.0
    assert s.value("p99.9") == s.p999_ms
    assert summarize(new_histogram()).p50_ms is None
