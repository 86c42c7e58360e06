"""Stages and presets: levels over time, intended send times, the five presets' shapes."""

from __future__ import annotations

import pytest

from warden.loadtest.stages import (
    PRESETS,
    Profile,
    RateSchedule,
    Stage,
    from_levels,
    preset,
)


def test_stage_ramps_linearly_and_holds_its_end() -> None:
    s = Stage(10.0, 0.0, 100.0)
    assert s.at(0) == 0
    assert s.at(5) == 50
    assert s.at(20) == 100
    assert s.area(10) == pytest.approx(500.0)


def test_profile_target_and_stage_index() -> None:
    p = Profile((Stage(10, 0, 100), Stage(5, 100, 100), Stage(5, 100, 0)))
    assert p.duration == 20
    assert p.peak == 100
    assert p.boundaries() == [0, 10, 15, 20]
    assert p.target_at(12) == 100
    assert p.target_at(17.5) == pytest.approx(50)
    assert p.stage_index(0) == 0
    assert p.stage_index(10) == 1
    assert p.stage_index(99) == 2
    assert p.requests_until(20) == pytest.approx(500 + 500 + 250)


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        (Profile((Stage(2.0, 100, 100),)), 200),
        (Profile((Stage(10.0, 0, 100),)), 500),
        (Profile((Stage(4.0, 50, 50), Stage(4.0, 50, 0))), 300),
        (Profile((Stage(3.0, 0, 0), Stage(1.0, 10, 10))), 10),
    ],
)
def test_rate_schedule_intends_the_integral_of_the_rate(profile: Profile, expected: int) -> None:
    schedule = RateSchedule(profile)
    times = []
    while (t := schedule.next_time()) is not None:
        times.append(t)
    assert len(times) == expected
    assert times == sorted(times)
    assert times[0] >= 0
    assert times[-1] <= profile.duration


def test_rate_schedule_constant_rate_is_evenly_spaced() -> None:
    schedule = RateSchedule(Profile((Stage(1.0, 4, 4),)))
    assert [schedule.next_time() for _ in range(5)] == [0.125, 0.375, 0.625, 0.875, None]


def test_workers_offsets_interleave_their_shares() -> None:
    share = Profile((Stage(1.0, 2, 2),))
    a = RateSchedule(share, 0.25)
    b = RateSchedule(share, 0.75)
    assert [a.next_time(), b.next_time(), a.next_time(), b.next_time()] == [
        0.125,
        0.375,
        0.625,
        0.875,
    ]


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_lasts_its_duration_and_reaches_its_level(name: str) -> None:
    p = preset(name, 100.0, 60.0)
    assert p.duration == pytest.approx(60.0)
    assert p.peak >= 100.0
    assert all(s.duration > 0 for s in p.stages)


def test_preset_shapes() -> None:
    stress = preset("stress", 100, 100, peak=3)
    assert [s.end for s in stress.stages] == [100, 100, 150, 200, 250, 300]
    spike = preset("spike", 100, 100)
    assert [s.end for s in spike.stages] == [100, 500, 100]
    assert spike.stages[1].start == 500  # a jump, not a ramp
    breakpoint_ = preset("breakpoint", 10, 50)
    assert breakpoint_.stages == (Stage(50, 0, 100, "ramp to 10x"),)
    soak = preset("soak", 5, 3600)
    assert soak.stages[-1].duration == pytest.approx(3420)
    baseline = preset("baseline", 5)
    assert baseline.duration == 60


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nope", 1.0), "unknown preset"),
        (("stress", 0.0), "must be positive"),
        (("stress", 1.0, -1.0), "duration must be positive"),
        (("spike", 1.0, 10.0, 0.5), "peak must be at least 1"),
    ],
)
def test_preset_refuses_bad_arguments(args: tuple[object, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        preset(*args)  # type: ignore[arg-type]


def test_hand_written_stages_ramp_from_the_previous_level_or_jump() -> None:
    p = from_levels([(10, 100, True, "up"), (10, 100, True, "hold"), (5, 300, False, "jump")])
    assert [(s.start, s.end) for s in p.stages] == [(0, 100), (100, 100), (300, 300)]
