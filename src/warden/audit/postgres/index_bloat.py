"""B-tree indexes whose estimated bloat is large: rebuild them concurrently."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, human_bytes
from warden.audit.postgres._advice import qualified
from warden.audit.postgres._estimates import BLOAT_THRESHOLDS, grade_bloat, index_waste
from warden.audit.postgres._facts import PostgresFacts, register


@register
class IndexBloat(Check[PostgresFacts]):
    type = "pg.index_bloat"
    finding_ids = ("pg.index_bloat",)
    thresholds = BLOAT_THRESHOLDS

    def run(self, facts: PostgresFacts) -> Iterator[Finding]:
        block = int(facts.setting("block_size") or 8192)
        for ix in facts.indexes:
            waste = index_waste(ix, block) if ix.valid else None
            actual = ix.relpages * block
            graded = grade_bloat(self, waste, actual)
            if graded is None:
                continue
            severity, ratio = graded
            assert waste is not None
            yield self.finding(
                "pg.index_bloat",
                severity,
                f"index {ix.qualified}",
                f"index {ix.qualified} is about {ratio:.0%} bloat",
                f"estimated {human_bytes(waste)} wasted of {human_bytes(actual)} "
                f"({ix.reltuples:.0f} entries).",
                "A bloated index is slower to search and crowds useful pages out of memory.",
                f"REINDEX INDEX CONCURRENTLY {qualified(ix.schema, ix.name)};",
                wasted_bytes=waste,
                ratio=ratio,
            )
