"""Level shifts: found where the level moves, not in noise, a flat line or a short series."""

from __future__ import annotations

import random

import pytest

from warden.diagnose.changes import buckets, level_shift


def series(before: float, after: float, n: int = 60, cut: int = 30, noise: float = 0.02,
           seed: int = 1) -> list[tuple[float, float]]:  # fmt: skip
    rng = random.Random(seed)
    return [(i * 60.0, (before if i < cut else after) * (1 + rng.uniform(-noise, noise)))
            for i in range(n)]  # fmt: skip


@pytest.mark.parametrize(
    ("points", "at", "rising"),
    [
        (series(0.010, 0.050), 1800.0, True),
        (series(0.050, 0.010), 1800.0, False),
        (series(100, 300, cut=45), 2700.0, True),
        (series(0.2, 0.1, n=20, cut=8), 480.0, False),
    ],
)
def test_a_shift_is_found_where_it_happens(points: list[tuple[float, float]], at: float,
                                           rising: bool) -> None:  # fmt: skip
    got = level_shift(points)
    assert got is not None
    assert got.at == at
    assert got.rising is rising


@pytest.mark.parametrize(
    "points",
    [
        series(0.01, 0.01, noise=0.3),  # noise only
        [(i * 60.0, 5.0) for i in range(40)],  # flat
        series(0.01, 0.05, n=6, cut=3),  # too short
        series(0.100, 0.105),  # 5 %: real but too small to matter
    ],
)
def test_no_shift_where_none_matters(points: list[tuple[float, float]]) -> None:
    assert level_shift(points) is None


def test_buckets_are_medians() -> None:
    pts = [(0.0, 1.0), (10.0, 100.0), (20.0, 2.0), (60.0, 5.0)]
    assert buckets(pts, 60.0) == [(0.0, 2.0), (60.0, 5.0)]
