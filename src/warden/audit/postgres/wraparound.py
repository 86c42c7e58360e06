"""Transaction ID wraparound: how close each database is to PostgreSQL's forced shutdown."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity
from warden.audit.postgres._facts import PostgresFacts, register

XID_LIMIT = 2**31 - 1


@register
class Wraparound(Check[PostgresFacts]):
    type = "pg.wraparound"
    finding_ids = ("pg.xid_wraparound",)
    thresholds = {"medium_factor": 1.5, "high_age": 1.0e9, "critical_age": 1.5e9}

    def run(self, facts: PostgresFacts) -> Iterator[Finding]:
        freeze_max = facts.setting("autovacuum_freeze_max_age") or 200_000_000
        oldest = sorted(facts.tables, key=lambda t: t.xid_age, reverse=True)[:3]
        tables = ", ".join(f"{t.qualified} ({t.xid_age})" for t in oldest) or "none"
        for db, age in sorted(facts.database_ages.items()):
            if age >= self.limit("critical_age"):
                severity = Severity.CRITICAL
            elif age >= self.limit("high_age"):
                severity = Severity.HIGH
            elif age >= self.limit("medium_factor") * freeze_max:
                severity = Severity.MEDIUM
            else:
                continue
            here = f" Oldest tables here: {tables}." if db == facts.database else ""
            yield self.finding(
                "pg.xid_wraparound",
                severity,
                f"database {db}",
                f"database {db} is {age / XID_LIMIT:.0%} of the way to wraparound",
                f"age(datfrozenxid) = {age}; {XID_LIMIT - age} transaction IDs left; "
                f"autovacuum_freeze_max_age = {freeze_max:.0f}.{here}",
                "At about 2 billion, PostgreSQL stops accepting writes until the database is "
                "vacuumed: a full outage.",
                "VACUUM (FREEZE, VERBOSE) the oldest tables now; find what stops autovacuum "
                "from freezing (long transactions, abandoned replication slots or prepared "
                "transactions) and end it.",
                age=age,
            )
