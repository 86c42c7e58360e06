"""Connections against max_connections, and when a pooler such as PgBouncer is due."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity, by_ratio
from warden.audit.postgres._facts import PostgresFacts, register


@register
class Connections(Check[PostgresFacts]):
    type = "pg.connections"
    finding_ids = ("pg.connections_high", "pg.pooler_recommended")
    thresholds = {
        "medium_ratio": 0.6,
        "high_ratio": 0.8,
        "critical_ratio": 0.95,
        "pooler_idle": 50,
        "pooler_idle_ratio": 0.7,
        "pooler_max_connections": 500,
    }

    def run(self, facts: PostgresFacts) -> Iterator[Finding]:
        total = facts.connections.get("total", 0)
        idle = facts.connections.get("idle", 0)
        maximum = facts.setting("max_connections")
        usable = max(1.0, maximum - facts.setting("superuser_reserved_connections"))
        ratio = total / usable
        severity = by_ratio(
            ratio,
            [
                (self.limit("medium_ratio"), Severity.MEDIUM),
                (self.limit("high_ratio"), Severity.HIGH),
                (self.limit("critical_ratio"), Severity.CRITICAL),
            ],
        )
        states = ", ".join(f"{n} {s}" for s, n in sorted(facts.connections.items()) if s != "total")
        if severity:
            yield self.finding(
                "pg.connections_high",
                severity,
                "server connections",
                f"{ratio:.0%} of the connection slots are in use",
                f"{total} client connections ({states}) of {usable:.0f} usable "
                f"(max_connections {maximum:.0f}).",
                "When the slots run out, new connections fail with 'too many clients already' "
                "and the application errors.",
                "Put a pooler (PgBouncer in transaction mode) in front, lower the pool size of "
                "each application instance, and close idle connections; raise max_connections "
                "only with the memory to back it.",
                connections=total,
                ratio=ratio,
            )
        idle_heavy = idle >= self.limit("pooler_idle") and idle >= self.limit(
            "pooler_idle_ratio"
        ) * max(total, 1)
        if idle_heavy or maximum >= self.limit("pooler_max_connections"):
            reason = (
                f"{idle} of {total} connections are idle"
                if idle_heavy
                else f"max_connections is {maximum:.0f}"
            )
            yield self.finding(
                "pg.pooler_recommended",
                Severity.MEDIUM if idle_heavy else Severity.LOW,
                "server connections",
                "a connection pooler is due",
                f"{reason}; each connection is a process holding memory.",
                "Hundreds of mostly idle connections waste memory and CPU on the server; a "
                "pooler serves the same load with a few dozen.",
                "Run PgBouncer (pool_mode = transaction) between the applications and "
                "PostgreSQL and point the applications at it.",
                idle=idle,
            )
