"""Tables whose estimated free space (bloat) is large: slower scans, wasted disk and cache."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, human_bytes
from warden.audit.postgres._advice import qualified
from warden.audit.postgres._estimates import BLOAT_THRESHOLDS, grade_bloat, table_waste
from warden.audit.postgres._facts import PostgresFacts, register


@register
class TableBloat(Check[PostgresFacts]):
    type = "pg.table_bloat"
    finding_ids = ("pg.table_bloat",)
    thresholds = BLOAT_THRESHOLDS

    def run(self, facts: PostgresFacts) -> Iterator[Finding]:
        block = int(facts.setting("block_size") or 8192)
        for t in facts.tables:
            waste = table_waste(t, block)
            actual = t.relpages * block
            graded = grade_bloat(self, waste, actual)
            if graded is None:
                continue
            severity, ratio = graded
            assert waste is not None
            yield self.finding(
                "pg.table_bloat",
                severity,
                f"table {t.qualified}",
                f"{t.qualified} is about {ratio:.0%} bloat",
                f"estimated {human_bytes(waste)} wasted of {human_bytes(actual)} "
                f"({t.reltuples:.0f} rows of ~{t.row_width or 0:.0f} bytes).",
                "Scans read the empty space too, and it occupies disk and shared buffers.",
                f"Rewrite the table without long locks: pg_repack -t {qualified(t.schema, t.name)}"
                " (or VACUUM FULL in a maintenance window); then make autovacuum run more often "
                "on it (ALTER TABLE ... SET (autovacuum_vacuum_scale_factor = 0.05)).",
                wasted_bytes=waste,
                ratio=ratio,
            )
