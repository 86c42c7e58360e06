"""Replication lag of standbys and replication slots that retain WAL."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity, human_bytes, human_seconds
from warden.audit.postgres._facts import PostgresFacts, register

_WHY_LAG = "A lagging standby serves stale reads and loses data if it has to take over."


@register
class Replication(Check[PostgresFacts]):
    type = "pg.replication"
    finding_ids = ("pg.replication_lag", "pg.inactive_slot")
    thresholds = {
        "medium_seconds": 30.0,
        "high_seconds": 300.0,
        "medium_bytes": 1024**3,
        "high_slot_bytes": 10 * 1024**3,
    }

    def run(self, facts: PostgresFacts) -> Iterator[Finding]:
        for r in facts.replicas:
            lag = r.replay_lag_seconds or 0.0
            lag_bytes = r.lag_bytes or 0
            if lag < self.limit("medium_seconds") and lag_bytes < self.limit("medium_bytes"):
                continue
            yield self.finding(
                "pg.replication_lag",
                Severity.HIGH if lag >= self.limit("high_seconds") else Severity.MEDIUM,
                f"replica {r.name or '?'}",
                f"replica {r.name or '?'} lags {human_seconds(lag)}",
                f"replay lag {human_seconds(lag)}, {human_bytes(lag_bytes)} of WAL behind "
                f"(state {r.state}).",
                _WHY_LAG,
                "Check the standby's disk and CPU, the network, and long queries on it "
                "(hot_standby_feedback, max_standby_streaming_delay).",
                seconds=lag,
                bytes=lag_bytes,
            )
        delay = facts.replay_delay_seconds
        if facts.in_recovery and delay is not None and delay >= self.limit("medium_seconds"):
            yield self.finding(
                "pg.replication_lag",
                Severity.HIGH if delay >= self.limit("high_seconds") else Severity.MEDIUM,
                f"database {facts.database}",
                f"this standby last replayed a transaction {human_seconds(delay)} ago",
                f"now() - pg_last_xact_replay_timestamp() = {human_seconds(delay)} (also grows "
                "when the primary is idle).",
                _WHY_LAG,
                "Compare with the primary's activity; check the standby's WAL receiver.",
                seconds=delay,
            )
        for s in facts.slots:
            if s.active:
                continue
            kept = s.retained_bytes or 0
            high = kept >= self.limit("high_slot_bytes")
            yield self.finding(
                "pg.inactive_slot",
                Severity.HIGH if high else Severity.MEDIUM,
                f"slot {s.name}",
                f"replication slot {s.name} is inactive",
                f"no consumer is connected; it retains {human_bytes(kept)} of WAL.",
                "An abandoned slot keeps WAL forever: the disk fills and the server stops.",
                f"Reconnect its consumer, or drop it: SELECT pg_drop_replication_slot('{s.name}');",
                retained_bytes=kept,
            )
