"""InnoDB buffer pool: hit ratio, and whether the data fits in it."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity, human_bytes
from warden.audit.mysql._facts import MySqlFacts, register


@register
class BufferPool(Check[MySqlFacts]):
    type = "mysql.buffer_pool"
    finding_ids = ("mysql.buffer_pool_hit_ratio", "mysql.buffer_pool_small")
    thresholds = {"min_requests": 100_000, "medium_ratio": 0.99, "high_ratio": 0.95}

    def run(self, facts: MySqlFacts) -> Iterator[Finding]:
        requests = facts.stat("Innodb_buffer_pool_read_requests")
        misses = facts.stat("Innodb_buffer_pool_reads")
        pool = facts.variable_int("innodb_buffer_pool_size")
        if requests >= self.limit("min_requests"):
            ratio = 1 - misses / requests
            if ratio < self.limit("medium_ratio"):
                yield self.finding(
                    "mysql.buffer_pool_hit_ratio",
                    Severity.HIGH if ratio < self.limit("high_ratio") else Severity.MEDIUM,
                    "server buffer pool",
                    f"InnoDB buffer pool hit ratio is {ratio:.2%}",
                    f"{misses} of {requests} page reads missed the pool "
                    f"(innodb_buffer_pool_size {human_bytes(pool)}).",
                    "Misses are disk reads: queries slow down by orders of magnitude.",
                    "Raise innodb_buffer_pool_size (up to ~70% of RAM on a dedicated server) or "
                    "cut the pages read (indexes for full scans).",
                    ratio=ratio,
                )
        innodb = sum(t.data_bytes + t.index_bytes for t in facts.tables if t.engine == "InnoDB")
        if pool and innodb > pool:
            yield self.finding(
                "mysql.buffer_pool_small",
                Severity.LOW,
                "server buffer pool",
                "the InnoDB data is larger than the buffer pool",
                f"{human_bytes(innodb)} of InnoDB data and indexes in the audited schemas, "
                f"innodb_buffer_pool_size {human_bytes(pool)}.",
                "When the working set does not fit, reads go to disk.",
                "Raise innodb_buffer_pool_size if the machine has RAM to spare; watch the hit "
                "ratio.",
                data_bytes=innodb,
                pool_bytes=pool,
            )
