"""Memory used against maxmemory, and no maxmemory at all."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity, by_ratio, human_bytes
from warden.audit.redis._facts import RedisFacts, register


@register
class Memory(Check[RedisFacts]):
    type = "redis.memory"
    finding_ids = ("redis.memory_near_limit", "redis.maxmemory_unset")
    thresholds = {
        "medium_ratio": 0.75,
        "high_ratio": 0.9,
        "critical_ratio": 0.98,
        "unset_system_ratio": 0.5,
    }

    def run(self, facts: RedisFacts) -> Iterator[Finding]:
        used = facts.num("used_memory")
        limit = facts.maxmemory()
        policy = facts.policy()
        if limit:
            ratio = used / limit
            severity = by_ratio(
                ratio,
                [
                    (self.limit("medium_ratio"), Severity.MEDIUM),
                    (self.limit("high_ratio"), Severity.HIGH),
                    (self.limit("critical_ratio"), Severity.CRITICAL),
                ],
            )
            if severity is None:
                return
            outcome = (
                "writes will fail with OOM errors"
                if policy == "noeviction"
                else f"keys will be evicted ({policy})"
            )
            yield self.finding(
                "redis.memory_near_limit",
                severity,
                "server memory",
                f"Redis uses {ratio:.0%} of maxmemory",
                f"used_memory {human_bytes(used)} of maxmemory {human_bytes(limit)}; "
                f"maxmemory-policy {policy}; {facts.keys} keys.",
                f"At the limit {outcome}.",
                "Raise maxmemory (CONFIG SET maxmemory ...; and in redis.conf) if the machine "
                "has room, set TTLs on cache keys, or shard the data.",
                used=used,
                maxmemory=limit,
                ratio=ratio,
            )
            return
        system = facts.num("total_system_memory")
        heavy = system and used >= self.limit("unset_system_ratio") * system
        yield self.finding(
            "redis.maxmemory_unset",
            Severity.MEDIUM if heavy else Severity.LOW,
            "server memory",
            "maxmemory is not set",
            f"maxmemory 0 (unlimited); used_memory {human_bytes(used)}"
            + (f" of {human_bytes(system)} system memory." if system else "."),
            "Without a limit Redis grows until the machine swaps or the OOM killer ends it.",
            "Set maxmemory below the machine's free RAM (leave room for fork on save), and a "
            "maxmemory-policy that fits the use: allkeys-lru for a cache, noeviction for data.",
            used=used,
        )
