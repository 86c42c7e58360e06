"""Whether statement digests can be read; how to enable performance_schema when they cannot."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity
from warden.audit.mysql._facts import MySqlFacts, register


@register
class StatementDigests(Check[MySqlFacts]):
    type = "mysql.statement_digests"
    finding_ids = ("mysql.performance_schema_off",)

    def run(self, facts: MySqlFacts) -> Iterator[Finding]:
        if facts.digests is not None:
            return
        if facts.digest_state == "performance_schema is OFF":
            fix = (
                "Add performance_schema = ON under [mysqld] (MariaDB: [mariadb]) in the server "
                "configuration and restart; the statements_digest consumer is on by default."
            )
        else:
            fix = (
                "UPDATE performance_schema.setup_consumers SET ENABLED = 'YES' WHERE NAME IN "
                "('events_statements_current', 'statements_digest');"
            )
        yield self.finding(
            "mysql.performance_schema_off",
            Severity.LOW,
            "server performance_schema",
            "statement digests are not available",
            f"{facts.digest_state}: full scans, unindexed queries and on-disk temporary tables "
            "cannot be attributed to statements; unused indexes cannot be found either.",
            "Without digests the slow statements stay invisible until users complain.",
            fix,
        )
