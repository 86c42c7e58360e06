"""Settings that switch off what keeps a database healthy: autovacuum, statistics, fsync."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity
from warden.audit.postgres._facts import PostgresFacts, register

_RULES = {
    "autovacuum": (
        "pg.autovacuum_off",
        "Without autovacuum dead rows pile up, statistics go stale and transaction IDs are "
        "not frozen: bloat, bad plans and finally a wraparound shutdown.",
    ),
    "track_counts": (
        "pg.track_counts_off",
        "Autovacuum needs these statistics: without them it cannot decide what to vacuum.",
    ),
    "fsync": (
        "pg.fsync_off",
        "With fsync off a power loss or crash can corrupt the whole cluster.",
    ),
}


@register
class SafetySettings(Check[PostgresFacts]):
    type = "pg.safety_settings"
    finding_ids = tuple(rule[0] for rule in _RULES.values())

    def run(self, facts: PostgresFacts) -> Iterator[Finding]:
        for name, (id_, why) in _RULES.items():
            if facts.settings.get(name) != "off":
                continue
            yield self.finding(
                id_,
                Severity.HIGH,
                f"setting {name}",
                f"{name} is off",
                f"SHOW {name} = off on the server.",
                why,
                f"ALTER SYSTEM SET {name} = on; SELECT pg_reload_conf();",
            )
