"""Queries waiting on locks held by other sessions."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity, human_seconds
from warden.audit.postgres._facts import PostgresFacts, register


@register
class BlockedQueries(Check[PostgresFacts]):
    type = "pg.blocked_queries"
    finding_ids = ("pg.blocked_query",)
    thresholds = {"medium_seconds": 5.0, "high_seconds": 60.0}

    def run(self, facts: PostgresFacts) -> Iterator[Finding]:
        by_pid = {s.pid: s for s in facts.sessions}
        for s in facts.sessions:
            waited = s.query_seconds or 0.0
            if not s.blocked_by or waited < self.limit("medium_seconds"):
                continue
            blockers = []
            for pid in s.blocked_by:
                b = by_pid.get(pid)
                blockers.append(f"pid {pid} ({b.state}: {b.query})" if b else f"pid {pid}")
            yield self.finding(
                "pg.blocked_query",
                Severity.HIGH if waited >= self.limit("high_seconds") else Severity.MEDIUM,
                f"pid {s.pid}",
                f"a query has waited {human_seconds(waited)} for a lock",
                f"pid {s.pid} waits on {', '.join(blockers)}; its query: {s.query}",
                "Lock queues grow behind a blocked statement and can stall the application.",
                "End or shorten the blocking transaction (see the blocker's query); set "
                "lock_timeout for migrations; SELECT pg_terminate_backend(<blocker pid>); if "
                "it is stuck.",
                seconds=waited,
                pid=s.pid,
            )
