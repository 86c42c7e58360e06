"""Threads connected against max_connections, and connections refused at the limit."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity, by_ratio
from warden.audit.mysql._facts import MySqlFacts, register

_FIX = (
    "Use a connection pool of bounded size in each application (or ProxySQL), close idle "
    "connections (wait_timeout), and raise max_connections only with memory to spare."
)


@register
class Connections(Check[MySqlFacts]):
    type = "mysql.connections"
    finding_ids = ("mysql.connections_high", "mysql.connections_refused")
    thresholds = {"medium_ratio": 0.6, "high_ratio": 0.8, "critical_ratio": 0.95}

    def run(self, facts: MySqlFacts) -> Iterator[Finding]:
        maximum = max(1, facts.variable_int("max_connections"))
        connected = facts.stat("Threads_connected")
        peak = facts.stat("Max_used_connections")
        ratio = connected / maximum
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
                "mysql.connections_high",
                severity,
                "server connections",
                f"{ratio:.0%} of max_connections are in use",
                f"Threads_connected {connected} of max_connections {maximum} (peak {peak}).",
                "At the limit new connections fail with 'Too many connections'.",
                _FIX,
                connected=connected,
                ratio=ratio,
            )
        refused = facts.stat("Connection_errors_max_connections")
        if refused:
            yield self.finding(
                "mysql.connections_refused",
                Severity.HIGH,
                "server connections",
                f"{refused} connections were refused at max_connections",
                f"Connection_errors_max_connections = {refused} since start; peak "
                f"Max_used_connections {peak} of {maximum}.",
                "Each refused connection was an error seen by an application.",
                _FIX,
                refused=refused,
            )
