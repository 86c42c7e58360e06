"""The forecast model on series with a known truth: linear growth, a daily cycle, a rotation
sawtooth, a cleanup, noise with bursts, a fresh start and a resource without a limit."""

from __future__ import annotations

import numpy as np
import pytest

from tests.capacity._series import DAY, Case, cases
from warden.capacity.model import forecast

NOW = 1_765_000_000.0


def series(case: Case, every: float = 60.0) -> tuple[list[float], list[float]]:
    ages = np.arange(case.days * DAY, -1, -every)
    return [NOW - a for a in ages], [case.used(float(a)) for a in ages]


CASES = {c.name: c for c in cases()}


@pytest.mark.parametrize(
    ("name", "status", "model"),
    [
        ("linear", "ok", "linear"),
        ("seasonal", "ok", "seasonal"),
        ("sawtooth", "ok", "sawtooth"),
        ("cleanup", "not_enough_data", ""),
        ("noise", "ok", "linear"),
    ],
)
def test_each_shape_gets_its_model(name: str, status: str, model: str) -> None:
    case = CASES[name]
    f = forecast(*series(case), case.limit, NOW)
    assert (f.status, f.model) == (status, model), f.reason
    full = f.eta(1.0)
    if case.full_in is None or status != "ok":
        assert full is None or full.at is None
        return
    assert full is not None
    assert full.at is not None
    error = abs((full.at - NOW) - case.full_in) / case.full_in
    said, truth = (full.at - NOW) / 3600, case.full_in / 3600
    assert error < 0.10, f"{name}: full in {said:.1f} h, truth {truth:.1f} h"
    assert full.earliest is not None
    assert full.earliest <= full.at
    assert full.latest is None or full.latest >= full.at


def test_a_cleanup_says_how_much_more_history_it_needs() -> None:
    case = CASES["cleanup"]
    f = forecast(*series(case), case.limit, NOW)
    assert "since a drop" in f.reason
    assert 1.8 * 3600 <= f.needed_seconds <= 2.3 * 3600  # 6 h needed, 4 h since the cleanup
    assert f.change_points  # the drop is reported


def test_a_fresh_start_on_a_quarter_full_disk_projects_nothing() -> None:
    """The defect of the old straight-line rule: two minutes of a write burst on a disk 24%
    used read as "full in 4 h". Here: not enough data, 6 h needed."""
    times = [NOW - 120 + i * 15 for i in range(9)]
    values = [24.0 + i * 1.5 for i in range(9)]
    f = forecast(times, values, 100.0, NOW)
    assert f.status == "not_enough_data"
    assert f.etas == []
    assert "more needed" in f.reason


def test_already_over_a_level_is_now_and_no_limit_is_no_forecast() -> None:
    times, values = series(Case("high", lambda age: 85 + age / DAY, 100, None))
    f = forecast(times, values, 100.0, NOW)
    high = f.eta(0.8)
    assert high is not None
    assert high.at == NOW
    assert forecast(times, values, 0.0, NOW).status == "no_data"
    assert forecast([], [], 100.0, NOW).status == "no_data"


def test_the_projection_runs_from_now_with_a_band() -> None:
    case = CASES["linear"]
    f = forecast(*series(case), case.limit, NOW)
    assert f.projection
    first, last = f.projection[0], f.projection[-1]
    assert first[0] >= NOW
    assert last[1] >= case.limit  # drawn past the limit
    assert all(lo <= mid <= hi for _, mid, lo, hi in f.projection)
