"""Sessions idle inside an open transaction: they hold locks and block vacuum."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity, human_seconds
from warden.audit.postgres._facts import PostgresFacts, register


@register
class IdleInTransaction(Check[PostgresFacts]):
    type = "pg.idle_in_transaction"
    finding_ids = ("pg.idle_in_transaction",)
    thresholds = {"medium_seconds": 30.0, "high_seconds": 300.0}

    def run(self, facts: PostgresFacts) -> Iterator[Finding]:
        for s in facts.sessions:
            if not s.state.startswith("idle in transaction") or s.state_seconds is None:
                continue
            if s.state_seconds < self.limit("medium_seconds"):
                continue
            high = s.state_seconds >= self.limit("high_seconds")
            xact = f"; transaction open {human_seconds(s.xact_seconds)}" if s.xact_seconds else ""
            yield self.finding(
                "pg.idle_in_transaction",
                Severity.HIGH if high else Severity.MEDIUM,
                f"pid {s.pid}",
                f"a session is idle in transaction for {human_seconds(s.state_seconds)}",
                f"pid {s.pid} ({s.user}, {s.application or 'no application_name'}) state "
                f"'{s.state}' for {human_seconds(s.state_seconds)}{xact}; last query: {s.query}",
                "An open transaction keeps its locks and its snapshot: writers queue behind it "
                "and vacuum cannot remove dead rows newer than it.",
                "Commit or roll back promptly in the application (a missing commit, or work "
                "done between queries); set idle_in_transaction_session_timeout (e.g. '60s'); "
                f"end this one: SELECT pg_terminate_backend({s.pid});",
                seconds=s.state_seconds,
                pid=s.pid,
            )
