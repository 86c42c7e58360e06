"""Indexes whose columns lead another index on the same table: the other one serves both."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity
from warden.audit.mysql._facts import MyIndex, MySqlFacts, register


def covers(big: MyIndex, small: MyIndex) -> bool:
    """True when ``big`` serves every lookup of ``small``."""
    if big is small or big.type != small.type or small.name == "PRIMARY":
        return False
    n = len(small.columns)
    if big.type != "BTREE":
        if big.columns != small.columns:
            return False
    elif big.columns[:n] != small.columns:
        return False
    if small.unique:
        return big.unique and big.columns == small.columns
    return True


@register
class RedundantIndexes(Check[MySqlFacts]):
    type = "mysql.redundant_indexes"
    finding_ids = ("mysql.redundant_index",)

    def run(self, facts: MySqlFacts) -> Iterator[Finding]:
        by_table: dict[tuple[str, str], list[MyIndex]] = defaultdict(list)
        for ix in facts.indexes:
            by_table[(ix.schema, ix.table)].append(ix)
        for group in by_table.values():
            for small in group:
                big = next((b for b in group if self._redundant(small, b)), None)
                if big is None:
                    continue
                yield self.finding(
                    "mysql.redundant_index",
                    Severity.MEDIUM,
                    f"index {small.qualified}",
                    f"index {small.name} is redundant with {big.name}",
                    f"{small.name} ({small.ddl_columns()}) is a leading part of "
                    f"{big.name} ({big.ddl_columns()}) on {small.schema}.{small.table}.",
                    "A redundant index doubles the write cost and memory for lookups the other "
                    "index already serves.",
                    f"ALTER TABLE `{small.schema}`.`{small.table}` DROP INDEX `{small.name}`;",
                )

    @staticmethod
    def _redundant(small: MyIndex, big: MyIndex) -> bool:
        if not covers(big, small):
            return False
        if covers(small, big):  # identical: keep PRIMARY, else the first name
            return big.name == "PRIMARY" or big.name < small.name
        return True
