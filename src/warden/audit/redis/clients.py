"""Connected clients against maxclients, and connections rejected at the limit."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity, by_ratio
from warden.audit.redis._facts import RedisFacts, register


@register
class Clients(Check[RedisFacts]):
    type = "redis.clients"
    finding_ids = ("redis.clients_high", "redis.rejected_connections")
    thresholds = {"medium_ratio": 0.6, "high_ratio": 0.8, "critical_ratio": 0.95}

    def run(self, facts: RedisFacts) -> Iterator[Finding]:
        clients = int(facts.num("connected_clients"))
        maximum = facts.config_int("maxclients", 10000) or 10000
        ratio = clients / maximum
        severity = by_ratio(
            ratio,
            [
                (self.limit("medium_ratio"), Severity.MEDIUM),
                (self.limit("high_ratio"), Severity.HIGH),
                (self.limit("critical_ratio"), Severity.CRITICAL),
            ],
        )
        if severity:
            yield self.finding(
                "redis.clients_high",
                severity,
                "server clients",
                f"{ratio:.0%} of maxclients are connected",
                f"connected_clients {clients} of maxclients {maximum}.",
                "At maxclients Redis refuses new connections.",
                "Use bounded connection pools in the applications, close idle clients (CONFIG "
                "SET timeout 300), or raise maxclients (and the file descriptor limit).",
                clients=clients,
                ratio=ratio,
            )
        rejected = int(facts.num("rejected_connections"))
        if rejected:
            yield self.finding(
                "redis.rejected_connections",
                Severity.HIGH,
                "server clients",
                f"{rejected} connections were rejected",
                f"rejected_connections {rejected} since start; maxclients {maximum}, "
                f"connected_clients {clients} now.",
                "Each rejected connection was an error in an application.",
                "Raise maxclients (and ulimit -n), and bound the applications' pools.",
                rejected=rejected,
            )
