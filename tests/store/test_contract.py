"""One contract for the store, run against SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from warden.results import CheckResult, ErrorClass, Sample, Status
from warden.store import MonitorInfo, MonitorState, SqlStore
from warden.tables import open_store

T0 = 1_699_999_200.0  # aligned to the hour


def result(
    monitor: str, t: float, status: Status = Status.UP, latency: float = 0.01
) -> CheckResult:
    return CheckResult(
        monitor=monitor,
        status=status,
        latency=latency,
        time=t,
        message="" if status is Status.UP else "boom",
        error=ErrorClass.NONE if status is Status.UP else ErrorClass.REFUSED,
        phases={"dns": 0.001, "connect": 0.002},
        metrics={"cert_days_left": 42.0},
    )


def test_results_round_trip(store: SqlStore) -> None:
    store.sync_monitors([MonitorInfo("api", "http", "web", "https://api")])
    store.write([result("api", T0), result("api", T0 + 30, Status.DOWN)])
    got = store.results("api", T0, T0 + 60)
    assert [r.status for r in got] == [Status.DOWN, Status.UP]  # newest first
    assert got[0].error is ErrorClass.REFUSED
    assert got[0].message == "boom"
    assert got[1].phases == {"dns": 0.001, "connect": 0.002}
    assert got[1].metrics == {"cert_days_left": 42.0}
    assert store.results("api", T0 + 1, T0 + 30) == []
    assert store.results("unknown", T0, T0 + 60) == []


def test_states_upsert(store: SqlStore) -> None:
    st = MonitorState("db", Status.DOWN, since=T0, last_ts=T0 + 5, failures=3, message="refused")
    store.write(states=[st])
    store.write(states=[MonitorState("db", Status.UP, since=T0 + 10, last_ts=T0 + 10)])
    (got,) = store.states()
    assert got.status is Status.UP
    assert got.since == T0 + 10


def test_uptime_exact_from_raw(store: SqlStore) -> None:
    rows = [result("m", T0 + i * 10, Status.DOWN if i % 4 == 0 else Status.UP) for i in range(100)]
    store.write(rows)
    up = store.uptime("m", T0, T0 + 1000)
    assert (up.total, up.up, up.down) == (100, 75, 25)
    assert up.ratio == 0.75


def test_rollup_then_prune_keeps_uptime_exact(store: SqlStore) -> None:
    rows = [
        result("m", T0 + i * 10, Status.DOWN if i % 5 == 0 else Status.UP, 0.01 + i / 1e4)
        for i in range(360)
    ]
    store.write(rows)
    before = store.uptime("m", T0, T0 + 3600)
    now = T0 + 3 * 3600
    assert store.rollup(now) > 0
    deleted = store.prune(now, raw=3600, minute=86400, hour=400 * 86400)
    assert deleted >= 360
    assert store.results("m", T0, T0 + 3600) == []
    after = store.uptime("m", T0, T0 + 3600)
    assert after == before
    q = store.latency_quantiles("m", T0, T0 + 3600, [0.5, 0.99])
    exact_p50 = sorted(r.latency for r in rows)[179]
    assert q[0.5] is not None
    assert abs(q[0.5] - exact_p50) / exact_p50 < 0.1


def test_rollup_is_idempotent(store: SqlStore) -> None:
    store.write([result("m", T0 + i, Status.UP) for i in range(120)])
    store.rollup(T0 + 600)
    assert store.rollup(T0 + 600) == 0
    assert store.uptime("m", T0, T0 + 120).total == 120


def test_samples_and_series(store: SqlStore) -> None:
    store.write(
        samples=[
            Sample("host_cpu_percent", {"collector": "host"}, 10.0, T0),
            Sample("host_cpu_percent", {"collector": "host"}, 20.0, T0 + 15),
            Sample("host_disk_used_bytes", {"mount": "/"}, 1e9, T0),
            Sample("host_disk_used_bytes", {"mount": "/data"}, 2e9, T0),
            Sample("bad", {}, float("nan"), T0),
        ]
    )
    (cpu,) = store.sample_points("host_cpu_percent", T0, T0 + 60)
    assert cpu.points == [(T0, 10.0), (T0 + 15, 20.0)]
    disks = store.sample_points("host_disk_used_bytes", T0, T0 + 60, {"mount": "/data"})
    assert [d.points for d in disks] == [[(T0, 2e9)]]


def test_sample_sums_are_exact_across_raw_and_rollups(store: SqlStore) -> None:
    """Increases summed over a range give the same total whether the range is still raw,
    rolled into minutes or into hours (what histogram quantiles over long windows read)."""
    samples = [
        Sample("h_bucket_increase", {"le": le}, float(i % 7 + 1), T0 + i * 15)
        for i in range(4 * 240)  # four hours every 15 s
        for le in ("0.1", "+Inf")
    ]
    store.write(samples=samples)
    want = {
        le: sum(s.value for s in samples if s.labels["le"] == le and s.time < T0 + 4 * 3600)
        for le in ("0.1", "+Inf")
    }

    def sums(until: float) -> dict[str, float]:
        got = store.sample_sums("h_bucket_increase", T0, until)
        return {s.labels["le"]: s.total for s in got}

    assert sums(T0 + 4 * 3600) == want
    now = T0 + 5 * 3600
    store.rollup(now)
    store.prune(now, raw=3600, minute=7200, hour=400 * 86400)  # hours, then minutes, then raw
    assert sums(T0 + 4 * 3600) == want
    assert [s.count for s in store.sample_sums("h_bucket_increase", T0, now, {"le": "0.1"})] == [
        4 * 240
    ]
    assert store.sample_sums("h_bucket_increase", T0, T0) == []
    assert store.sample_sums("nothing", T0, now) == []


def test_horizons_off_the_minute_count_no_check_twice(store: SqlStore) -> None:
    """Pruning at a time 20 s past a minute: the rollup minute holding the raw horizon is not
    read as well as the raw rows after it (nor an hour as well as its minutes)."""
    store.sync_monitors([MonitorInfo("m")])
    checks = [result("m", T0 + i * 10) for i in range(3 * 360)]
    store.write(results=checks)
    now = T0 + 3 * 3600 + 20
    store.rollup(now)
    store.prune(now, raw=3600, minute=5400 + 17, hour=400 * 86400)
    assert store.uptime("m", T0, now).total == len(checks)
    assert store.uptimes(T0, now)["m"].total == len(checks)


def test_heartbeats(store: SqlStore) -> None:
    store.record_heartbeat("nightly", T0)
    store.record_heartbeat("nightly", T0 + 60)
    assert store.heartbeats() == {"nightly": T0 + 60}


def test_reopen_keeps_everything(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/w.db"
    s = open_store(url)
    s.write([result("api", T0)], states=[MonitorState("api", Status.UP, T0, T0)])
    s.close()
    s2 = open_store(url)
    try:
        assert len(s2.results("api", T0, T0 + 1)) == 1
        assert [st.monitor for st in s2.states()] == ["api"]
    finally:
        s2.close()


def test_size_is_reported(store: SqlStore) -> None:
    assert store.size_bytes() > 0


def test_driver_errors_leave_the_store_as_store_errors(tmp_path: Path) -> None:
    from sqlalchemy import text

    from warden.errors import StoreError

    s = open_store(f"sqlite:///{tmp_path}/w.db")
    try:
        with s.engine.begin() as conn:
            conn.execute(text("DROP TABLE monitor_state"))
        with pytest.raises(StoreError, match="store read failed"):
            s.states()
        with pytest.raises(StoreError, match="store write failed"):
            s.write(states=[MonitorState("x", Status.UP, T0, T0)])
    finally:
        s.close()


def test_batched_reads_match_per_monitor_reads(store: SqlStore) -> None:
    rows = [
        result(f"m{i % 3}", T0 + i, Status.DOWN if i % 4 == 0 else Status.UP) for i in range(60)
    ]
    store.write(rows)
    batched = store.results_in(T0 + 10, T0 + 50)
    uptimes = store.uptimes(T0 + 10, T0 + 50)
    for name in ("m0", "m1", "m2"):
        one = store.results(name, T0 + 10, T0 + 50)
        assert [r.time for r in batched[name]] == sorted(r.time for r in one)
        assert batched[name][0].phases == one[-1].phases
        assert uptimes[name] == store.uptime(name, T0 + 10, T0 + 50)
    assert sum(u.total for u in uptimes.values()) == 40


def test_uptimes_fall_back_to_rollups_where_raw_is_gone(store: SqlStore) -> None:
    store.write(
        [result("m", T0 + i * 10, Status.DOWN if i % 5 == 0 else Status.UP) for i in range(360)]
    )
    now = T0 + 3 * 3600
    store.rollup(now)
    store.prune(now, raw=3600, minute=86400, hour=400 * 86400)
    assert store.uptimes(T0, T0 + 3600)["m"] == store.uptime("m", T0, T0 + 3600)
    assert store.uptimes(T0, T0 + 3600)["m"].total == 360


def test_latest_results_pick_the_newest_per_monitor(store: SqlStore) -> None:
    store.write([result(f"m{i % 3}", T0 + i) for i in range(60)])
    plain = [result("m3", T0 + i) for i in range(5)]
    plain += [CheckResult("m3", Status.DOWN, 0.1, T0 + 5 + i) for i in range(3)]
    store.write(plain)  # the newest three of m3 carry no metrics
    newest = store.latest_results(T0, T0 + 50)
    assert {n: r.time for n, r in newest.items()} == {
        "m0": T0 + 48,
        "m1": T0 + 49,
        "m2": T0 + 47,
        "m3": T0 + 7,
    }
    carrying = store.latest_results(T0, T0 + 50, "cert_days_left", depth=4)
    assert carrying["m3"].time == T0 + 4
    assert carrying["m0"].metrics == {"cert_days_left": 42.0}
    shallow = store.latest_results(T0, T0 + 50, "cert_days_left", depth=3)
    assert "m3" not in shallow  # not within its three newest
    assert store.latest_results(T0, T0 + 50, "cert_days") == {}  # a prefix is not the metric
    assert store.latest_results(T0 + 100, T0 + 200) == {}


@pytest.mark.parametrize(
    ("statuses", "changes"),
    [
        ("", None),
        ("u", 0),
        ("uuuu", 0),
        ("udud", 3),
        ("uddu", 2),
        ("ugdg", 2),  # degraded counts as not down
        ("dddd", 0),
    ],
)
def test_status_changes_count_down_flips(
    store: SqlStore, statuses: str, changes: int | None
) -> None:
    by_letter = {"u": Status.UP, "g": Status.DEGRADED, "d": Status.DOWN}
    store.sync_monitors([MonitorInfo("m", "tcp", "default", "")])
    store.write([result("m", T0 + 10 * i, by_letter[c]) for i, c in enumerate(statuses)])
    store.write(
        [result("other", T0 + 10 * i, Status.DOWN if i % 2 else Status.UP) for i in range(5)]
    )
    got = store.status_changes(T0, T0 + 1000)
    assert got.get("m") == changes
    assert got["other"] == 4


def test_uptimes_of_named_monitors_where_raw_is_gone(store: SqlStore) -> None:
    store.write([result(m, T0 + i * 10) for i in range(360) for m in ("a", "b", "c")])
    now = T0 + 3 * 3600
    store.rollup(now)
    store.prune(now, raw=3600, minute=86400, hour=400 * 86400)
    got = store.uptimes(T0, T0 + 3600, ["a", "c"])
    assert set(got) == {"a", "c"}
    assert got["a"] == store.uptime("a", T0, T0 + 3600)
