"""Queries running for minutes in this database."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity, human_seconds
from warden.audit.postgres._facts import PostgresFacts, register


@register
class LongRunning(Check[PostgresFacts]):
    type = "pg.long_running_queries"
    finding_ids = ("pg.long_running_query",)
    thresholds = {"medium_seconds": 60.0, "high_seconds": 300.0}

    def run(self, facts: PostgresFacts) -> Iterator[Finding]:
        for s in facts.sessions:
            if s.state != "active" or s.query_seconds is None:
                continue
            if s.query_seconds < self.limit("medium_seconds"):
                continue
            high = s.query_seconds >= self.limit("high_seconds")
            yield self.finding(
                "pg.long_running_query",
                Severity.HIGH if high else Severity.MEDIUM,
                f"pid {s.pid}",
                f"a query has run for {human_seconds(s.query_seconds)}",
                f"pid {s.pid} ({s.user}, {s.application or 'no application_name'}) running "
                f"{human_seconds(s.query_seconds)}: {s.query}",
                "Long queries hold locks and old snapshots: vacuum cannot clean behind them and "
                "other statements queue up.",
                "Find why it is slow (EXPLAIN); set statement_timeout for the application's "
                f"role; stop it if it is stuck: SELECT pg_cancel_backend({s.pid});",
                seconds=s.query_seconds,
                pid=s.pid,
            )
