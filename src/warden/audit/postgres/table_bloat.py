"""Tables whose estimated free space (bloat) is large: slower scans, wasted disk and cache."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity, human_bytes
from warden.audit.postgres._advice import qualified
from warden.audit.postgres._estimates import table_waste
from warden.audit.postgres._facts import PostgresFacts, register


@register
class TableBloat(Check[PostgresFacts]):
    type = "pg.table_bloat"
    finding_ids = ("pg.table_bloat",)
    thresholds = {
        "medium_bytes": 100 * 1024**2,
        "high_bytes": 1024**3,
        "min_ratio": 0.3,
        "high_ratio": 0.5,
    }

    def run(self, facts: PostgresFacts) -> Iterator[Finding]:
        block = int(facts.setting("block_size") or 8192)
        for t in facts.tables:
            waste = table_waste(t, block)
            actual = t.relpages * block
            if waste is None or not actual:
                continue
            ratio = waste / actual
            if waste < self.limit("medium_bytes") or ratio < self.limit("min_ratio"):
                continue
            high = waste >= self.limit("high_bytes") and ratio >= self.limit("high_ratio")
            yield self.finding(
                "pg.table_bloat",
                Severity.HIGH if high else Severity.MEDIUM,
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
