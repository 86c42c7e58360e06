"""Memory fragmentation (RSS against used memory), and swapping when RSS is below it."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity, human_bytes
from warden.audit.redis._facts import RedisFacts, register


@register
class Fragmentation(Check[RedisFacts]):
    type = "redis.fragmentation"
    finding_ids = ("redis.fragmentation", "redis.swapping")
    thresholds = {"ratio": 1.5, "min_wasted_bytes": 100 * 1024**2, "min_used_bytes": 100 * 1024**2}

    def run(self, facts: RedisFacts) -> Iterator[Finding]:
        used = facts.num("used_memory")
        rss = facts.num("used_memory_rss")
        ratio = facts.num("mem_fragmentation_ratio") or (rss / used if used else 0.0)
        if ratio >= self.limit("ratio") and rss - used >= self.limit("min_wasted_bytes"):
            yield self.finding(
                "redis.fragmentation",
                Severity.MEDIUM,
                "server memory",
                f"memory fragmentation ratio is {ratio:.2f}",
                f"used_memory_rss {human_bytes(rss)} for used_memory {human_bytes(used)}.",
                "Fragmented memory is RAM the OS gave Redis that holds no data.",
                "CONFIG SET activedefrag yes (jemalloc builds), or restart the instance in a "
                "quiet moment (a replica failover avoids downtime).",
                ratio=ratio,
            )
        elif 0 < ratio < 1 and used >= self.limit("min_used_bytes"):
            yield self.finding(
                "redis.swapping",
                Severity.HIGH,
                "server memory",
                f"RSS is below used memory (ratio {ratio:.2f}): Redis is swapping",
                f"used_memory_rss {human_bytes(rss)} for used_memory {human_bytes(used)}.",
                "Pages of Redis live on swap: every access to them is a disk read.",
                "Lower maxmemory below the free RAM, add RAM, or move data out; disable swap "
                "for the Redis host.",
                ratio=ratio,
            )
