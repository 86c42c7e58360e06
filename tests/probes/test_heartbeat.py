"""The heartbeat probe with a FakeClock: pings on time, late, and before the first ping."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest

from warden.engine.clock import FakeClock
from warden.errors import ProbeError
from warden.probes import HeartbeatBook, ProbeDeps
from warden.probes.heartbeat import HeartbeatConfig, HeartbeatProbe
from warden.results import ErrorClass, Status

PERIOD = 300.0  # the monitor's interval: the job pings every 5 minutes


def make(config: dict[str, Any], clock: FakeClock, book: HeartbeatBook) -> HeartbeatProbe:
    deps = ProbeDeps(clock=clock, heartbeats=book)
    cfg = HeartbeatConfig.model_validate(config)
    return HeartbeatProbe("nightly", cfg, 10.0, deps, interval=PERIOD)


@pytest.mark.parametrize(
    ("pings", "wait", "status", "message"),
    [
        # pings: seconds after start when the job pinged; wait: seconds after start of the check
        ([], 0, Status.UP, "no ping since watching began just now"),
        ([], 360, Status.UP, "no ping since watching began 6m ago"),
        ([], 361, Status.DOWN, "no ping since watching began 6m1s ago: 1s late"),
        ([10], 370, Status.UP, "last ping 6m ago"),
        ([10], 371, Status.DOWN, "last ping 6m1s ago: 1s late (period 5m + grace 1m)"),
        ([10, 600], 900, Status.UP, "last ping 5m ago"),
        ([10, 600], 4200, Status.DOWN, "last ping 1h ago: 54m late"),
    ],
)
async def test_lateness(pings: list[float], wait: float, status: Status, message: str) -> None:
    clock, book = FakeClock(), HeartbeatBook()
    start = clock.time()
    probe = make({"grace": "1m"}, clock, book)
    await probe.check()  # the first check starts the watch
    for at in pings:
        book.ping("nightly", start + at)
    clock.advance(wait)
    result = await probe.check()
    assert result.status is status, result.message
    assert result.error is (ErrorClass.MISSED if status is Status.DOWN else ErrorClass.NONE)
    assert result.message.startswith(message), result.message
    assert result.time == clock.time()
    if pings:
        assert result.metrics == {"seconds_since_ping": wait - pings[-1]}
    else:
        assert result.metrics == {}


async def test_period_in_config_wins_over_interval() -> None:
    clock, book = FakeClock(), HeartbeatBook()
    probe = make({"grace": 0, "period": "1d"}, clock, book)
    book.ping("nightly", clock.time())
    clock.advance(86400)
    assert (await probe.check()).status is Status.UP
    clock.advance(1)
    assert (await probe.check()).status is Status.DOWN


async def test_pings_of_other_monitors_do_not_count() -> None:
    clock, book = FakeClock(), HeartbeatBook()
    probe = make({"grace": 0}, clock, book)
    await probe.check()
    clock.advance(PERIOD + 1)
    book.ping("another-job", clock.time())
    assert (await probe.check()).error is ErrorClass.MISSED


async def test_without_any_period_the_check_is_a_warden_error() -> None:
    cfg = HeartbeatConfig.model_validate({"grace": "1m"})
    probe = HeartbeatProbe("nightly", cfg, 10.0, ProbeDeps())  # as a generic engine builds it
    with pytest.raises(ProbeError, match="has no period"):
        await probe.check()


@pytest.mark.parametrize(
    ("token", "given", "accepted"),
    [
        (None, None, True),
        (None, "anything", True),
        ("s3cret", "s3cret", True),
        ("s3cret", "wrong", False),
        ("s3cret", None, False),
        ("s3cret", "", False),
    ],
)
def test_token(token: str | None, given: str | None, accepted: bool) -> None:
    cfg = HeartbeatConfig.model_validate({"grace": "1m", "token": token})
    assert cfg.accepts(given) is accepted
    assert "s3cret" not in repr(cfg)
    assert "s3cret" not in cfg.target()


def test_token_from_file(tmp_path: Any) -> None:
    path = tmp_path / "token"
    path.write_text("from-file\n")
    cfg = HeartbeatConfig.model_validate({"grace": "1m", "token_file": str(path)})
    assert cfg.accepts("from-file")


@pytest.mark.parametrize(
    ("config", "complaint"),
    [
        ({}, "grace\n  Field required"),
        ({"grace": "soon"}, "is not a duration"),
        ({"grace": "1m", "period": 0}, "greater than 0"),
    ],
)
def test_config_errors(config: dict[str, Any], complaint: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=complaint):
        HeartbeatConfig.model_validate(config)


async def test_watching_begins_when_the_probe_is_built() -> None:
    """A first check long after the start (e.g. the monitor was just taken over from another
    instance) still sees the whole silence since watching began."""
    clock, book = FakeClock(), HeartbeatBook()
    probe = make({"grace": "1m"}, clock, book)
    clock.advance(PERIOD + 61)
    result = await probe.check()
    assert result.status is Status.DOWN
    assert result.message.startswith("no ping since watching began 6m1s ago"), result.message
