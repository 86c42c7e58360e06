"""Indexes never read since the server started (from performance_schema or userstat)."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity, human_seconds
from warden.audit.mysql._facts import MySqlFacts, register


@register
class UnusedIndexes(Check[MySqlFacts]):
    type = "mysql.unused_indexes"
    finding_ids = ("mysql.unused_index", "mysql.index_usage_unavailable")

    def run(self, facts: MySqlFacts) -> Iterator[Finding]:
        reads = facts.index_reads
        if reads is None:
            if facts.indexes:
                yield self._unavailable(facts)
            return
        uptime = human_seconds(facts.stat("Uptime"))
        for ix in facts.indexes:
            if ix.name == "PRIMARY" or ix.unique:
                continue
            key = (ix.schema, ix.table, ix.name)
            if key not in reads and facts.index_usage_source == "performance_schema":
                continue  # the table was not opened since start: usage unknown
            if reads.get(key, 0):
                continue
            yield self.finding(
                "mysql.unused_index",
                Severity.LOW,
                f"index {ix.qualified}",
                f"index {ix.name} on {ix.schema}.{ix.table} is never used",
                f"0 reads in {facts.index_usage_source} since the server started {uptime} ago; "
                f"columns ({ix.ddl_columns()}).",
                "Every write still maintains the index, and it takes disk and buffer pool.",
                f"ALTER TABLE `{ix.schema}`.`{ix.table}` DROP INDEX `{ix.name}`; (after a full "
                "business cycle of uptime, and checking replicas)",
            )

    def _unavailable(self, facts: MySqlFacts) -> Finding:
        if facts.flavor == "mariadb":
            fix = (
                "SET GLOBAL userstat = 1; (and userstat = 1 in the configuration), or enable "
                "performance_schema = ON and restart."
            )
        else:
            fix = "Enable performance_schema = ON in the configuration and restart."
        return self.finding(
            "mysql.index_usage_unavailable",
            Severity.LOW,
            "server index statistics",
            "index usage is not recorded",
            "neither performance_schema nor user statistics record index reads, so unused "
            "indexes cannot be found.",
            "Unused indexes slow every write and waste memory; they cannot be spotted blind.",
            fix,
        )
