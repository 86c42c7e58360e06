"""``queries.good_buckets`` (the SLO counts) over hour rollups, minute rollups and raw results,
on SQLite and PostgreSQL, against the store's own exact counts."""

from __future__ import annotations

import math

import pytest

from tests.web.test_queries import DAY, END, HOUR, tiered_store
from warden.results import Status
from warden.store import queries
from warden.store.sql import SqlStore

__all__ = ["tiered_store"]  # the fixture: three days, raw kept one day, minute rollups two


def _sum(buckets: dict[float, tuple[int, int]], lo: float, hi: float) -> tuple[int, int]:
    inside = [v for b, v in buckets.items() if lo <= b < hi]
    return sum(g for g, _ in inside), sum(t for _, t in inside)


@pytest.mark.parametrize("fine_from", [-math.inf, END - 1.5 * DAY, END + HOUR])
def test_availability_counts_match_the_store(tiered_store: SqlStore, fine_from: float) -> None:
    ids = queries.monitor_ids(tiered_store.engine)
    got = queries.good_buckets(
        tiered_store.engine, ids.values(), END - 3 * DAY, END, fine_from=fine_from
    )
    with tiered_store.engine.connect() as conn:
        tiers = queries.tiers(conn)
    assert tiers.minute_from == END - 2 * DAY
    # hourly rollups where minute rollups are gone or before fine_from, minutes after
    switch = max(END - 2 * DAY, math.floor(fine_from / HOUR) * HOUR if fine_from > 0 else 0)
    switch = min(switch, tiers.hours_until or 0)
    assert all(b % HOUR == 0 for b in got if b < switch)
    assert any(b % HOUR for b in got if b >= switch)
    for lo, hi in [(END - 3 * DAY, END), (END - 30 * HOUR, END - 20 * HOUR), (END - HOUR, END)]:
        want = [tiered_store.uptime(name, lo, hi) for name in ids]
        good = sum(u.up + u.degraded for u in want)
        assert _sum(got, lo, hi) == (good, sum(u.total for u in want)), (lo, hi)


def test_latency_counts_read_raw_results_only(tiered_store: SqlStore) -> None:
    ids = queries.monitor_ids(tiered_store.engine)
    got = queries.good_buckets(tiered_store.engine, ids.values(), END - 3 * DAY, END, latency=0.025)
    raw = [r for name in ids for r in tiered_store.results(name, END - 3 * DAY, END)]
    assert min(r.time for r in raw) >= END - DAY  # the fixture keeps one day of raw results
    good = sum(1 for r in raw if r.status is not Status.DOWN and r.latency <= 0.025)
    assert _sum(got, END - 3 * DAY, END) == (good, len(raw))
    assert min(got) >= END - DAY
    assert 0 < good < len(raw)


def test_no_monitors_or_an_empty_range_read_nothing(tiered_store: SqlStore) -> None:
    ids = list(queries.monitor_ids(tiered_store.engine).values())
    assert queries.good_buckets(tiered_store.engine, [], END - DAY, END) == {}
    assert queries.good_buckets(tiered_store.engine, ids, END, END - DAY) == {}
