"""Buffer cache hit ratio of tables and indexes in this database."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity
from warden.audit.postgres._facts import PostgresFacts, register


@register
class CacheHit(Check[PostgresFacts]):
    type = "pg.cache_hit"
    finding_ids = ("pg.table_cache_hit", "pg.index_cache_hit")
    thresholds = {"min_blocks": 50_000, "medium_ratio": 0.99, "high_ratio": 0.9}

    def run(self, facts: PostgresFacts) -> Iterator[Finding]:
        for id_, what, hit, read in (
            ("pg.table_cache_hit", "table", facts.cache["heap_hit"], facts.cache["heap_read"]),
            ("pg.index_cache_hit", "index", facts.cache["idx_hit"], facts.cache["idx_read"]),
        ):
            total = hit + read
            if total < self.limit("min_blocks"):
                continue
            ratio = hit / total
            if ratio >= self.limit("medium_ratio"):
                continue
            high = ratio < self.limit("high_ratio")
            yield self.finding(
                id_,
                Severity.HIGH if high else Severity.MEDIUM,
                f"database {facts.database}",
                f"{what} cache hit ratio is {ratio:.1%}",
                f"{hit} {what} block reads hit shared_buffers, {read} did not "
                f"(shared_buffers = {facts.setting('shared_buffers') / 1024**2:.0f} MiB).",
                "Reads that miss the buffer cache go to the OS cache or the disk and are much "
                "slower; a healthy OLTP database hits over 99%.",
                "Raise shared_buffers (about 25% of RAM), add RAM, or cut the data read "
                "(missing indexes, bloat).",
                ratio=ratio,
            )
