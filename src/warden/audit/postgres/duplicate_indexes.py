"""Indexes made redundant by another index on the same table (same or leading columns)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity, human_bytes
from warden.audit.postgres._advice import qualified
from warden.audit.postgres._facts import IndexStat, PostgresFacts, register


def covers(big: IndexStat, small: IndexStat) -> bool:
    """True when ``big`` serves every lookup ``small`` serves (so ``small`` is redundant)."""
    if big is small or big.method != small.method:
        return False
    if big.predicate != small.predicate or big.expressions != small.expressions:
        return False
    n = len(small.keys)
    if small.expressions is not None or big.method != "btree":
        same = (big.keys, big.opclasses, big.options) == (
            small.keys,
            small.opclasses,
            small.options,
        )
        if not same:
            return False
    elif n > len(big.keys) or (
        (big.keys[:n], big.opclasses[:n], big.options[:n])
        != (small.keys, small.opclasses, small.options)
    ):
        return False
    if small.unique:  # a unique index enforces something: redundant only if big is the same
        return big.unique and big.keys == small.keys
    return True


def _keep_first(a: IndexStat, b: IndexStat) -> bool:
    """For two identical indexes, whether ``a`` is the one to keep."""
    rank_a = (a.primary, a.backs_constraint, a.scans, b.name)
    rank_b = (b.primary, b.backs_constraint, b.scans, a.name)
    return rank_a >= rank_b


@register
class DuplicateIndexes(Check[PostgresFacts]):
    type = "pg.duplicate_indexes"
    finding_ids = ("pg.duplicate_index",)

    def run(self, facts: PostgresFacts) -> Iterator[Finding]:
        by_table: dict[tuple[str, str], list[IndexStat]] = defaultdict(list)
        for ix in facts.indexes:
            if ix.valid:
                by_table[(ix.schema, ix.table)].append(ix)
        for group in by_table.values():
            for small in group:
                if small.primary or small.backs_constraint:
                    continue
                big = next((b for b in group if self._redundant(small, b)), None)
                if big is None:
                    continue
                yield self.finding(
                    "pg.duplicate_index",
                    Severity.MEDIUM,
                    f"index {small.qualified}",
                    f"index {small.qualified} duplicates {big.name}",
                    f"{small.definition} ({human_bytes(small.size_bytes)}, {small.scans} scans) "
                    f"is covered by {big.definition}.",
                    "A duplicate index doubles the write cost and memory for lookups the other "
                    "index already serves.",
                    f"DROP INDEX CONCURRENTLY {qualified(small.schema, small.name)};",
                    size_bytes=small.size_bytes,
                )

    @staticmethod
    def _redundant(small: IndexStat, big: IndexStat) -> bool:
        if not covers(big, small):
            return False
        if covers(small, big):  # identical: report only the one we would not keep
            return _keep_first(big, small)
        return True
