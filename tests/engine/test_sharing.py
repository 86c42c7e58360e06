"""How instances split the work: rendezvous hashing, handover order, takeover after expiry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from warden.engine.sharing import WorkShare, owner
from warden.engine.state import StateTracker
from warden.probes import HeartbeatBook
from warden.results import Status
from warden.store import MonitorState, SqlStore
from warden.tables import open_store

KEYS = [f"monitor:m{i}" for i in range(300)]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    s = open_store(f"sqlite:///{tmp_path}/w.db")
    yield s
    s.close()


def test_rendezvous_is_stable_and_moves_only_the_joiners_share() -> None:
    two = {k: owner(k, ("a", "b")) for k in KEYS}
    assert two == {k: owner(k, ("b", "a")) for k in KEYS}  # order of the live list is irrelevant
    counts = {i: list(two.values()).count(i) for i in ("a", "b")}
    assert min(counts.values()) > len(KEYS) / 4, counts
    three = {k: owner(k, ("a", "b", "c")) for k in KEYS}
    moved = [k for k in KEYS if two[k] != three[k]]
    assert all(three[k] == "c" for k in moved)  # a joiner takes keys; none move between a and b
    assert len(KEYS) / 6 < len(moved) < len(KEYS) / 2


async def test_a_joiner_gets_its_share_only_after_the_holder_hands_it_over(
    store: SqlStore,
) -> None:
    a, b = WorkShare(store, instance="a"), WorkShare(store, instance="b")
    drained: list[frozenset[str]] = []

    async def drain(keys: frozenset[str]) -> None:
        drained.append(keys)
        assert not (keys & a.held)  # a stopped running them before storing and releasing

    assert await a.round(KEYS, drain) == frozenset(KEYS)  # alone: a runs everything
    assert await b.round(KEYS, drain) == frozenset()  # b is live, but a still holds it all
    assert a.held == frozenset(KEYS)
    await a.round(KEYS, drain)  # a sees b and hands over b's share
    mine_b = frozenset(k for k in KEYS if owner(k, ("a", "b")) == "b")
    assert drained == [mine_b]
    assert a.held == frozenset(KEYS) - mine_b
    assert await b.round(KEYS, drain) == mine_b
    assert a.held.isdisjoint(b.held)
    assert a.held | b.held == frozenset(KEYS)


async def test_the_survivor_takes_over_when_a_lease_runs_out(store: SqlStore) -> None:
    async def drain(_keys: frozenset[str]) -> None:
        return None

    a, b = WorkShare(store, instance="a"), WorkShare(store, instance="b")
    for share in (a, b, a, b):
        await share.round(KEYS, drain)
    mine_b = b.held
    assert mine_b
    store.renew_instance("b", "h", 0, -1.0)  # b's lease has run out: as if killed long ago
    gained = await a.round(KEYS, drain)
    assert a.live == ("a",)
    assert gained == mine_b
    assert a.held == frozenset(KEYS)
    await a.leave()
    c = WorkShare(store, instance="c")
    assert await c.round(KEYS, drain) == frozenset(KEYS)  # a clean stop frees everything at once


def test_a_local_store_shares_nothing(store: SqlStore) -> None:
    share = WorkShare(store)
    assert share.shared is False
    assert share.owns("monitor:anything")


def test_the_tracker_adopts_states_stored_by_another_instance() -> None:
    down = MonitorState("api", Status.DOWN, since=100.0, last_ts=130.0, failures=3)
    tracker = StateTracker({"api": 2}, [MonitorState("api", Status.UP, 50.0, 90.0)])
    version = tracker.status_version
    assert tracker.adopt(down) == (True, Status.UP)
    assert tracker.get("api") == down
    assert tracker.status_version > version
    later = MonitorState("api", Status.DOWN, since=100.0, last_ts=160.0, failures=4)
    assert tracker.adopt(later) == (False, Status.DOWN)
    assert tracker.adopt(later) == (False, Status.DOWN)


async def test_a_heartbeat_book_with_a_reader_counts_pings_received_elsewhere() -> None:
    stored: dict[str, float] = {}

    async def reader(monitor: str) -> float | None:
        return stored.get(monitor)

    book = HeartbeatBook(reader)
    assert await book.latest("hb") is None
    stored["hb"] = 200.0  # another instance received a ping
    assert await book.latest("hb") == 200.0
    book.ping("hb", 300.0)  # this instance received a newer one
    assert await book.latest("hb") == 300.0
