"""Instances and work leases: one holder per key, takeover after expiry, several stores at once."""

from __future__ import annotations

from warden.results import CheckResult, Status
from warden.store import MonitorInfo, SqlStore
from warden.tables import open_store

LONG = 3600.0  # a lease that does not run out during a test
GONE = -1.0  # a lease that has already run out (no sleeping needed)


def test_a_key_has_one_holder_until_its_lease_runs_out(store: SqlStore) -> None:
    assert store.claim_work("a", {"monitor:x", "monitor:y"}, LONG) == {"monitor:x", "monitor:y"}
    assert store.claim_work("b", {"monitor:x", "monitor:z"}, LONG) == {"monitor:z"}
    assert store.claim_work("a", {"monitor:z"}, LONG) == {"monitor:x", "monitor:y"}
    store.claim_work("a", {"monitor:x"}, GONE)  # a holder may shorten its own lease
    assert store.claim_work("b", {"monitor:x"}, LONG) == {"monitor:x", "monitor:z"}
    assert store.renew_instance("a", "h", 1, LONG).held == {"monitor:y"}


def test_released_keys_are_free_at_once(store: SqlStore) -> None:
    store.claim_work("a", {"k1", "k2", "k3"}, LONG)
    store.release_work("a", {"k2"})
    assert store.claim_work("b", {"k1", "k2"}, LONG) == {"k2"}
    store.release_work("a")
    assert store.claim_work("b", {"k1", "k3"}, LONG) == {"k1", "k2", "k3"}


def test_renewal_extends_leases_and_tells_who_is_live(store: SqlStore) -> None:
    store.renew_instance("a", "host-a", 10, LONG)
    store.claim_work("a", {"k"}, GONE)  # as if the lease were about to run out
    seen = store.renew_instance("b", "host-b", 20, LONG)
    assert seen.live == ("a", "b")
    assert seen.held == frozenset()
    assert store.renew_instance("a", "host-a", 10, LONG).held == {"k"}  # renewed in time
    assert store.claim_work("b", {"k"}, LONG) == frozenset()
    store.renew_instance("b", "host-b", 20, GONE)  # b stops renewing: its lease runs out
    assert store.renew_instance("a", "host-a", 10, LONG).live == ("a",)


def test_a_leaving_instance_frees_its_keys(store: SqlStore) -> None:
    store.renew_instance("a", "h", 1, LONG)
    store.claim_work("a", {"k1", "k2"}, LONG)
    store.leave("a")
    seen = store.renew_instance("b", "h", 2, LONG)
    assert seen.live == ("b",)
    assert store.claim_work("b", {"k1", "k2"}, LONG) == {"k1", "k2"}


def test_two_stores_on_one_database_sync_the_same_monitors(store_url: str) -> None:
    """Two instances starting together: both insert the same monitors without a conflict."""
    first, second = open_store(store_url), open_store(store_url)
    try:
        infos = [MonitorInfo("api", "http"), MonitorInfo("hb", "heartbeat")]
        first.sync_monitors(infos)
        second.sync_monitors(infos)  # its cache was empty: it inserts again, harmlessly
        assert second._monitor_ids == first._monitor_ids
        second.write([CheckResult("api", Status.UP, 0.01, 1000.0)])
        assert [r.monitor for r in first.results("api", 0, 2000)] == ["api"]
        assert first.shared is (store_url.startswith("postgresql"))
    finally:
        first.close()
        second.close()


def test_a_ping_recorded_by_one_instance_is_read_by_another(store_url: str) -> None:
    first, second = open_store(store_url), open_store(store_url)
    try:
        first.sync_monitors([MonitorInfo("hb", "heartbeat")])
        second.sync_monitors([MonitorInfo("hb", "heartbeat")])
        assert second.last_ping("hb") is None
        first.record_heartbeat("hb", 1234.5)
        assert second.last_ping("hb") == 1234.5
        assert second.last_ping("unknown") is None
    finally:
        first.close()
        second.close()
