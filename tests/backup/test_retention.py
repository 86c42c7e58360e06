"""Retention, table-driven over fixed dates: what each rule keeps, and why."""

from __future__ import annotations

import datetime as dt

import pytest

from warden.backup.config import RetentionPolicy
from warden.backup.manifest import BackupEntry, Status
from warden.backup.retention import plan


def ts(text: str) -> float:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp()


def entry(when: str, status: Status = "complete") -> BackupEntry:
    return BackupEntry("db", when, status, ts(when))


NOW = "2025-03-31T23:30:00"
# One backup every 6 hours from 2025-01-01 through 2025-03-31: 360 of them.
SERIES = [(dt.datetime(2025, 1, 1) + dt.timedelta(hours=6 * i)).isoformat() for i in range(90 * 4)]


def kept(policy: RetentionPolicy, times: list[str]) -> list[str]:
    decisions = plan([entry(t) for t in times], policy, ts(NOW))
    return [d.id for d in decisions if d.keep]


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (RetentionPolicy(), SERIES),
        (RetentionPolicy(keep_last=3), SERIES[-3:]),
        (
            RetentionPolicy(hourly=2),
            ["2025-03-31T12:00:00", "2025-03-31T18:00:00"],
        ),
        (
            RetentionPolicy(daily=3),
            ["2025-03-29T18:00:00", "2025-03-30T18:00:00", "2025-03-31T18:00:00"],
        ),
        (
            # ISO weeks: 2025-03-31 is a Monday (W14); W13 ends Sunday 2025-03-30.
            RetentionPolicy(weekly=3),
            ["2025-03-23T18:00:00", "2025-03-30T18:00:00", "2025-03-31T18:00:00"],
        ),
        (
            RetentionPolicy(monthly=2),
            ["2025-02-28T18:00:00", "2025-03-31T18:00:00"],
        ),
        (
            # Only three months of backups exist: yearly=5 keeps one (2025's newest).
            RetentionPolicy(yearly=5),
            ["2025-03-31T18:00:00"],
        ),
        (
            RetentionPolicy(keep_last=2, daily=2, monthly=3),
            [
                "2025-01-31T18:00:00",
                "2025-02-28T18:00:00",
                "2025-03-30T18:00:00",
                "2025-03-31T12:00:00",
                "2025-03-31T18:00:00",
            ],
        ),
    ],
    ids=["no-rules", "keep-last", "hourly", "daily", "weekly", "monthly", "yearly", "combined"],
)
def test_rules_keep(policy: RetentionPolicy, expected: list[str]) -> None:
    assert kept(policy, SERIES) == expected


def test_reasons_name_every_rule_that_kept() -> None:
    decisions = plan(
        [entry(t) for t in SERIES], RetentionPolicy(keep_last=1, daily=2, yearly=1), ts(NOW)
    )
    by_id = {d.id: d for d in decisions}
    assert by_id["2025-03-31T18:00:00"].reasons == [
        "keep_last #1",
        "daily 2025-03-31",
        "yearly 2025",
    ]
    assert by_id["2025-03-30T18:00:00"].reasons == ["daily 2025-03-30"]
    assert by_id["2025-03-30T12:00:00"].reasons == ["not kept by any rule"]
    assert by_id["2025-03-30T12:00:00"].action == "delete"


def test_gaps_in_the_series_do_not_count_as_periods() -> None:
    times = ["2025-03-01T10:00:00", "2025-03-20T10:00:00", "2025-03-31T10:00:00"]
    assert kept(RetentionPolicy(daily=2), times) == times[1:]


@pytest.mark.parametrize(
    ("status", "started", "keep", "reason"),
    [
        ("failed", "2025-03-31T20:00:00", True, "failed attempt younger than 1d"),
        ("failed", "2025-03-29T20:00:00", False, "failed attempt older than 1d"),
        ("incomplete", "2025-03-31T23:00:00", True, "incomplete attempt younger than 1d"),
        ("incomplete", "2025-03-01T00:00:00", False, "incomplete attempt older than 1d"),
        ("damaged", "2024-01-01T00:00:00", True, "damaged manifest"),
        ("unverified", "2024-01-01T00:00:00", True, "manifest fails authentication"),
    ],
)
def test_attempts(status: Status, started: str, keep: bool, reason: str) -> None:
    good = entry("2025-03-31T18:00:00")
    decisions = plan([entry(started, status), good], RetentionPolicy(keep_last=1), ts(NOW))
    (d,) = [d for d in decisions if d.id == started]
    assert d.keep is keep
    assert d.reasons[0].startswith(reason)


def test_newest_complete_backup_survives_every_rule() -> None:
    for rule in ("keep_last", "hourly", "daily", "weekly", "monthly", "yearly"):
        policy = RetentionPolicy.model_validate({rule: 1})
        assert kept(policy, SERIES)[-1] == SERIES[-1]


def test_forged_manifests_do_not_push_real_backups_out_of_retention() -> None:
    real = [entry("2025-03-30T18:00:00"), entry("2025-03-31T18:00:00")]
    forged = [entry(f"2025-03-31T2{h}:00:00", "unverified") for h in range(3)]
    decisions = plan([*real, *forged], RetentionPolicy(keep_last=2), ts(NOW))
    kept_ids = {d.id for d in decisions if d.keep}
    assert {e.id for e in real} <= kept_ids  # both real backups stay
    assert all(d.keep for d in decisions if d.status == "unverified")  # nothing silently deleted
    assert not [
        r for d in decisions for r in d.reasons if "keep_last" in r and "2025-03-31T2" in d.id
    ]
