"""Grandfather-father-son retention: which backups a policy keeps, which it deletes, and why.

Each rule works on its own over the complete backups, newest first, and keeps the newest
backup of each of its last N periods (hours, days, ISO weeks, months, years, in UTC);
``keep_last`` keeps the newest N. A backup is kept if any rule keeps it, and every rule that
did is listed as a reason. Failed and interrupted attempts are deleted once older than
``incomplete_after``; damaged manifests, and manifests that fail authentication (unverified:
forged or edited), are never counted by a rule and never deleted automatically. Every rule keeps the
newest backup, so a policy with any rule never deletes the last good backup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from warden.backup.config import RetentionPolicy
from warden.backup.manifest import BackupEntry
from warden.config._types import format_duration


def _period(fmt: str) -> Callable[[dt.datetime], str]:
    return lambda t: t.strftime(fmt)


PERIODS: dict[str, Callable[[dt.datetime], str]] = {
    "hourly": _period("%Y-%m-%dT%H"),
    "daily": _period("%Y-%m-%d"),
    "weekly": _period("%G-W%V"),
    "monthly": _period("%Y-%m"),
    "yearly": _period("%Y"),
}


@dataclass
class Decision:
    """What prune does with one backup or attempt."""

    id: str
    status: str
    started: float
    keep: bool
    reasons: list[str] = field(default_factory=list)

    @property
    def action(self) -> str:
        return "keep" if self.keep else "delete"


def plan(entries: Sequence[BackupEntry], policy: RetentionPolicy, now: float) -> list[Decision]:
    """A decision for every entry (oldest first), with the rules that keep it."""
    decisions = {e.id: Decision(e.id, e.status, e.started, False) for e in entries}
    complete = sorted((e for e in entries if e.complete), key=lambda e: (e.started, e.id))
    newest_first = complete[::-1]
    if policy.is_empty():
        for e in complete:
            decisions[e.id].keep = True
            decisions[e.id].reasons.append("no retention rules")
    for i, e in enumerate(newest_first[: policy.keep_last]):
        decisions[e.id].keep = True
        decisions[e.id].reasons.append(f"keep_last #{i + 1}")
    for rule, bucket in PERIODS.items():
        count: int = getattr(policy, rule)
        last: str | None = None
        kept = 0
        for e in newest_first:
            if kept >= count:
                break
            period = bucket(dt.datetime.fromtimestamp(e.started, dt.UTC))
            if period == last:
                continue
            last = period
            kept += 1
            decisions[e.id].keep = True
            decisions[e.id].reasons.append(f"{rule} {period}")
    grace = policy.incomplete_after
    for e in entries:
        d = decisions[e.id]
        if e.complete:
            if not d.keep:
                d.reasons.append("not kept by any rule")
        elif e.status == "damaged":
            d.keep = True
            d.reasons.append("damaged manifest: inspect it, prune never deletes it")
        elif e.status == "unverified":
            d.keep = True
            d.reasons.append(
                "manifest fails authentication: not counted by any rule, never deleted by "
                f"prune; inspect it ({e.error})"
            )
        elif now - e.started >= grace:
            d.reasons.append(f"{e.status} attempt older than {format_duration(grace)}")
        else:
            d.keep = True
            d.reasons.append(f"{e.status} attempt younger than {format_duration(grace)}")
    return sorted(decisions.values(), key=lambda d: (d.started, d.id))
