"""The quorum: each location's newest result to one verdict per monitor (table-driven)."""

from __future__ import annotations

from typing import Any

import pytest

from warden.agents.quorum import UNKNOWN, combine, location_states, required, verdict
from warden.agents.repository import Latest, LocationRow
from warden.config.schema import MonitorBase, build_model
from warden.results import ErrorClass, Status

NOW = 1_700_000_000.0
LOCS = ["eu", "us", "ap"]


def monitor(quorum: Any = "majority", locations: list[str] = LOCS) -> MonitorBase:
    data = {"name": "shop", "interval": "10s", "tcp": {"host": "h", "port": 1}}
    cfg = build_model().model_validate(
        {"monitors": [{**data, "locations": locations, "quorum": quorum}]}
    )
    return cfg.monitors[0]


def agent(loc: str, seen_ago: float = 1.0) -> LocationRow:
    return LocationRow(loc, NOW - seen_ago, NOW - seen_ago, 0.0, 0.001, "", "", 0, 1, 1)


def latest(loc: str, status: Status, age: float = 2.0, latency: float = 0.1) -> Latest:
    error = "refused" if status is Status.DOWN else ""
    return Latest(loc, NOW - age, status, latency, error, status.label)


U, D, G = Status.UP, Status.DOWN, Status.DEGRADED


@pytest.mark.parametrize(
    ("quorum", "statuses", "silent", "expected"),
    [
        ("majority", [U, U, U], [], "up"),
        ("majority", [D, U, U], [], "degraded"),  # down somewhere, not confirmed
        ("majority", [D, D, U], [], "down"),
        ("majority", [D, U, U], ["us"], "degraded"),  # still needs 2 of 3
        ("majority", [D, D, U], ["ap"], "down"),
        ("majority", [U, U, U], ["eu", "us", "ap"], UNKNOWN),  # silent agents: never down
        ("majority", [D, D, D], ["eu", "us", "ap"], UNKNOWN),
        ("any", [D, U, U], [], "down"),
        ("all", [D, D, U], [], "degraded"),
        ("all", [D, D, U], ["ap"], "down"),  # all of those that report
        (2, [D, U, U], [], "degraded"),
        (2, [D, D, U], [], "down"),
        (3, [D, D, U], ["ap"], "degraded"),  # 3 can no longer be reached: not down
        ("majority", [G, U, U], [], "degraded"),
    ],
)
def test_verdicts(quorum: Any, statuses: list[Status], silent: list[str], expected: str) -> None:
    m = monitor(quorum)
    rows = {loc: latest(loc, s) for loc, s in zip(LOCS, statuses, strict=True)}
    agents = {loc: agent(loc, 120.0 if loc in silent else 1.0) for loc in LOCS}
    states = location_states(m, rows, agents, NOW, 30.0)
    assert [s.state == UNKNOWN for s in states] == [loc in silent for loc in LOCS]
    assert verdict(m, states)[0] == expected
    result = combine(m, states, NOW)
    if expected == UNKNOWN:
        assert result is None
    else:
        assert result is not None
        assert result.status.label == expected
        assert result.time == NOW


def test_stale_results_and_missing_agents_do_not_vote() -> None:
    m = monitor()
    rows = {"eu": latest("eu", D, age=60.0), "us": latest("us", D)}  # eu: older than 2 intervals
    states = location_states(m, rows, {"eu": agent("eu"), "us": agent("us")}, NOW, 30.0)
    why = {s.location: s.why_unknown for s in states}
    assert why["eu"].startswith("its newest result is 60s old")
    assert why["ap"] == "no agent has reported from this location"
    assert why["us"] == ""
    assert verdict(m, states) == ("degraded", 1, 1, 2)


def test_a_confirmed_outage_says_where_and_why() -> None:
    m = monitor()
    rows = {
        "eu": latest("eu", D, latency=0.3),
        "us": latest("us", D, latency=0.1),
        "ap": latest("ap", U, latency=0.2),
    }
    states = location_states(m, rows, {loc: agent(loc) for loc in LOCS}, NOW, 30.0)
    result = combine(m, states, NOW)
    assert result is not None
    assert result.status is Status.DOWN
    assert result.error is ErrorClass.REFUSED
    assert result.latency == pytest.approx(0.2)  # the median of the locations
    assert result.message.startswith("down in eu, us: 2 of 3 reporting locations down")


def test_required_votes() -> None:
    assert [required("majority", n, n) for n in (1, 2, 3, 4, 5)] == [1, 2, 2, 3, 3]
    assert required("all", 3, 2) == 2
    assert required("all", 3, 0) == 1
    assert required("any", 5, 5) == 1
    assert required(4, 5, 2) == 4


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"locations": ["eu"], "quorum": 2}, "quorum 2 needs between 1 and 1"),
        ({"locations": ["EU"]}, "use lowercase"),
        ({"locations": ["eu", "eu"]}, "each location once"),
        ({"locations": ["eu"], "quorum": "most"}, "quorum"),
    ],
)
def test_bad_locations_are_refused(fields: dict[str, Any], says: str) -> None:
    from pydantic import ValidationError

    data = {"name": "m", "tcp": {"host": "h", "port": 1}, **fields}
    with pytest.raises(ValidationError, match=says):
        build_model().model_validate({"monitors": [data]})


def test_a_heartbeat_monitor_has_no_locations() -> None:
    from pydantic import ValidationError

    data = {"name": "m", "heartbeat": {"grace": "1m"}, "locations": ["eu"]}
    with pytest.raises(ValidationError, match="pinged, not probed"):
        build_model().model_validate({"monitors": [data]})
