"""B-tree indexes whose estimated bloat is large: rebuild them concurrently."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity, human_bytes
from warden.audit.postgres._advice import qualified
from warden.audit.postgres._estimates import index_waste
from warden.audit.postgres._facts import PostgresFacts, register


@register
class IndexBloat(Check[PostgresFacts]):
    type = "pg.index_bloat"
    finding_ids = ("pg.index_bloat",)
    thresholds = {
        "medium_bytes": 100 * 1024**2,
        "high_bytes": 1024**3,
        "min_ratio": 0.3,
        "high_ratio": 0.5,
    }

    def run(self, facts: PostgresFacts) -> Iterator[Finding]:
        block = int(facts.setting("block_size") or 8192)
        for ix in facts.indexes:
            waste = index_waste(ix, block) if ix.valid else None
            actual = ix.relpages * block
            if waste is None or not actual:
                continue
            ratio = waste / actual
            if waste < self.limit("medium_bytes") or ratio < self.limit("min_ratio"):
                continue
            high = waste >= self.limit("high_bytes") and ratio >= self.limit("high_ratio")
            yield self.finding(
                "pg.index_bloat",
                Severity.HIGH if high else Severity.MEDIUM,
                f"index {ix.qualified}",
                f"index {ix.qualified} is about {ratio:.0%} bloat",
                f"estimated {human_bytes(waste)} wasted of {human_bytes(actual)} "
                f"({ix.reltuples:.0f} entries).",
                "A bloated index is slower to search and crowds useful pages out of memory.",
                f"REINDEX INDEX CONCURRENTLY {qualified(ix.schema, ix.name)};",
                wasted_bytes=waste,
                ratio=ratio,
            )
