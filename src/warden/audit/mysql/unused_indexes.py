"""Indexes with no reads over the span that index statistics cover (performance_schema or
userstat); verdicts are held back while that span is shorter than ``min_span_seconds``."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity, human_seconds
from warden.audit.mysql._facts import MyIndex, MySqlFacts, register


@register
class UnusedIndexes(Check[MySqlFacts]):
    type = "mysql.unused_indexes"
    finding_ids = (
        "mysql.unused_index",
        "mysql.index_usage_unavailable",
        "mysql.index_usage_too_short",
    )
    thresholds = {"min_span_seconds": 86_400}

    def run(self, facts: MySqlFacts) -> Iterator[Finding]:
        reads = facts.index_reads
        if reads is None:
            if facts.indexes:
                yield self._unavailable(facts)
            return
        unused: list[MyIndex] = []
        for ix in facts.indexes:
            if ix.name == "PRIMARY" or ix.unique:
                continue
            key = (ix.schema, ix.table, ix.name)
            if key not in reads and facts.index_usage_source == "performance_schema":
                continue  # the table was not opened since start: usage unknown
            if not reads.get(key, 0):
                unused.append(ix)
        if not unused:
            return
        uptime = float(facts.stat("Uptime"))
        span = self._span(facts.index_usage_source, uptime)
        if uptime < self.limit("min_span_seconds"):
            yield self._too_short(unused, span)
            return
        for ix in unused:
            yield self.finding(
                "mysql.unused_index",
                Severity.LOW,
                f"index {ix.qualified}",
                f"index {ix.name} on {ix.schema}.{ix.table} is never used",
                f"0 reads in {facts.index_usage_source} {span}; columns ({ix.ddl_columns()}).",
                "Every write still maintains the index, and it takes disk and buffer pool.",
                f"ALTER TABLE `{ix.schema}`.`{ix.table}` DROP INDEX `{ix.name}`; (after a full "
                "business cycle of statistics, and checking replicas)",
            )

    @staticmethod
    def _span(source: str, uptime: float) -> str:
        """What the counters cover, as honestly as the server lets us say it."""
        if source == "userstat":
            return (
                "since user statistics were turned on (the server does not record when: at "
                f"most {human_seconds(uptime)}, its uptime)"
            )
        return (
            f"since the server started {human_seconds(uptime)} ago (or since the summary "
            "table was last truncated)"
        )

    def _too_short(self, unused: list[MyIndex], span: str) -> Finding:
        needed = human_seconds(self.limit("min_span_seconds"))
        names = ", ".join(ix.qualified for ix in unused[:5]) + (", ..." if len(unused) > 5 else "")
        return self.finding(
            "mysql.index_usage_too_short",
            Severity.LOW,
            "server index statistics",
            "index usage statistics are too recent to call an index unused",
            f"{len(unused)} index(es) have no reads {span}, which is shorter than the "
            f"{needed} needed to judge: {names}.",
            "An index used by a nightly or weekly job looks unused after a short span; "
            "dropping it on that evidence would slow that job down.",
            f"Run the audit again once the statistics cover at least {needed} of normal "
            "traffic (a full business cycle is safer).",
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
