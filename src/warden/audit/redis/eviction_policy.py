"""An eviction policy that cannot work: noeviction near the limit, volatile-* without TTLs."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity, human_bytes
from warden.audit.redis._facts import RedisFacts, register


@register
class EvictionPolicy(Check[RedisFacts]):
    type = "redis.eviction_policy"
    finding_ids = ("redis.eviction_policy",)
    thresholds = {"near_ratio": 0.75}

    def run(self, facts: RedisFacts) -> Iterator[Finding]:
        limit = facts.maxmemory()
        policy = facts.policy()
        used = facts.num("used_memory")
        if not limit:
            return
        if policy == "noeviction" and used >= self.limit("near_ratio") * limit:
            yield self.finding(
                "redis.eviction_policy",
                Severity.HIGH,
                "maxmemory-policy",
                "noeviction with memory near the limit",
                f"maxmemory-policy noeviction; used_memory {human_bytes(used)} of "
                f"{human_bytes(limit)}.",
                "With noeviction, every write command fails with an OOM error once the limit is "
                "reached.",
                "For a cache: CONFIG SET maxmemory-policy allkeys-lru. For data that must not "
                "be lost: raise maxmemory or move data out.",
                used=used,
            )
        elif policy.startswith("volatile-") and facts.keys and not facts.expires:
            yield self.finding(
                "redis.eviction_policy",
                Severity.MEDIUM,
                "maxmemory-policy",
                f"{policy} but no key has a TTL",
                f"maxmemory-policy {policy}; {facts.keys} keys, 0 with an expiry.",
                "volatile-* policies only evict keys with a TTL: here they evict nothing and "
                "writes fail at the limit as with noeviction.",
                "Give cache keys a TTL (SET ... EX), or use allkeys-lru / allkeys-lfu.",
            )
