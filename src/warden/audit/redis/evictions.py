"""Keys evicted because memory was full."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity
from warden.audit.redis._facts import RedisFacts, register


@register
class Evictions(Check[RedisFacts]):
    type = "redis.evictions"
    finding_ids = ("redis.evictions",)

    def run(self, facts: RedisFacts) -> Iterator[Finding]:
        evicted = int(facts.num("evicted_keys"))
        if not evicted:
            return
        cache = facts.policy().startswith("allkeys-")
        yield self.finding(
            "redis.evictions",
            Severity.LOW if cache else Severity.MEDIUM,
            "server memory",
            f"{evicted} keys were evicted",
            f"evicted_keys {evicted} since start (uptime {int(facts.num('uptime_in_seconds'))} "
            f"s); maxmemory-policy {facts.policy()}.",
            "Evicted keys are recomputed or lost: more misses and more load behind the cache"
            + ("" if cache else "; with a volatile policy, data with TTLs is dropped early")
            + ".",
            "Raise maxmemory, shorten TTLs of big keys, or store less per key.",
            evicted=evicted,
        )
