"""Keyspace hit ratio: how often a read finds its key."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity
from warden.audit.redis._facts import RedisFacts, register


@register
class HitRatio(Check[RedisFacts]):
    type = "redis.hit_ratio"
    finding_ids = ("redis.hit_ratio",)
    thresholds = {"min_lookups": 10_000, "medium_ratio": 0.8}

    def run(self, facts: RedisFacts) -> Iterator[Finding]:
        hits = facts.num("keyspace_hits")
        misses = facts.num("keyspace_misses")
        lookups = hits + misses
        if lookups < self.limit("min_lookups"):
            return
        ratio = hits / lookups
        if ratio >= self.limit("medium_ratio"):
            return
        yield self.finding(
            "redis.hit_ratio",
            Severity.MEDIUM,
            "keyspace",
            f"only {ratio:.0%} of key lookups hit",
            f"keyspace_hits {hits:.0f}, keyspace_misses {misses:.0f} since start.",
            "Used as a cache, each miss goes to the slower backend; a low ratio often means "
            "TTLs too short, evictions, or keys that are never written.",
            "Check evictions and TTLs; look for keys read under a name never written (key "
            "naming bugs); cache what is read often.",
            ratio=ratio,
        )
