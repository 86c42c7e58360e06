"""Indexes never scanned since statistics began: they cost writes and space for nothing."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity, human_bytes, human_seconds
from warden.audit.postgres._advice import qualified
from warden.audit.postgres._facts import PostgresFacts, register


@register
class UnusedIndexes(Check[PostgresFacts]):
    type = "pg.unused_indexes"
    finding_ids = ("pg.unused_index",)
    thresholds = {"medium_bytes": 100 * 1024**2}

    def run(self, facts: PostgresFacts) -> Iterator[Finding]:
        since = (
            f"since statistics began {human_seconds(facts.now - facts.stats_since)} ago"
            if facts.stats_since
            else "since statistics began"
        )
        caveat = (
            " This server is a standby: scans on the primary are not counted here."
            if facts.in_recovery
            else " Scans on standbys are not counted here."
        )
        for ix in facts.indexes:
            if ix.scans or ix.unique or ix.primary or ix.backs_constraint:
                continue
            if not ix.valid or ix.building:
                continue
            big = ix.size_bytes >= self.limit("medium_bytes")
            yield self.finding(
                "pg.unused_index",
                Severity.MEDIUM if big else Severity.LOW,
                f"index {ix.qualified}",
                f"index {ix.qualified} is never used",
                f"0 scans {since}; {human_bytes(ix.size_bytes)} on {ix.schema}.{ix.table}: "
                f"{ix.definition}.{caveat}",
                "Every insert and update still maintains the index, and it takes disk and cache.",
                f"DROP INDEX CONCURRENTLY {qualified(ix.schema, ix.name)}; (after checking "
                "standbys and rare jobs such as monthly reports)",
                size_bytes=ix.size_bytes,
            )
