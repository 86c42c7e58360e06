"""Persistence failures (RDB snapshots, AOF writes and rewrites), and no persistence at all."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity
from warden.audit.redis._facts import RedisFacts, register

_WHY_FAIL = (
    "Data written since the last good save is lost on a restart; with "
    "stop-writes-on-bgsave-error (the default) Redis also refuses writes."
)


@register
class Persistence(Check[RedisFacts]):
    type = "redis.persistence"
    finding_ids = ("redis.rdb_save_failed", "redis.aof_failed", "redis.persistence_off")

    def run(self, facts: RedisFacts) -> Iterator[Finding]:
        rdb = facts.text("rdb_last_bgsave_status")
        if rdb and rdb != "ok":
            yield self.finding(
                "redis.rdb_save_failed",
                Severity.HIGH,
                "RDB snapshot",
                "the last RDB snapshot failed",
                f"rdb_last_bgsave_status {rdb}; {int(facts.num('rdb_changes_since_last_save'))} "
                "changes since the last successful save.",
                _WHY_FAIL,
                "Read the Redis log for the cause (disk full, permissions of dir, fork failing "
                "for lack of memory: vm.overcommit_memory = 1), fix it, then BGSAVE.",
            )
        aof_enabled = facts.num("aof_enabled") > 0
        bad = [
            f"{k} {facts.text(k)}"
            for k in ("aof_last_write_status", "aof_last_bgrewrite_status")
            if facts.text(k) and facts.text(k) != "ok"
        ]
        if aof_enabled and bad:
            yield self.finding(
                "redis.aof_failed",
                Severity.HIGH,
                "append-only file",
                "append-only file writes are failing",
                "; ".join(bad) + ".",
                _WHY_FAIL,
                "Read the Redis log; check the disk space and permissions of the AOF directory; "
                "then BGREWRITEAOF.",
            )
        save = facts.config.get("save")
        if save == "" and not aof_enabled and facts.config:
            yield self.finding(
                "redis.persistence_off",
                Severity.LOW,
                "persistence",
                "persistence is off",
                "save is empty and appendonly is no: nothing is written to disk.",
                "Fine for a pure cache; any data that matters is lost on restart.",
                "If the data matters: CONFIG SET appendonly yes (and in redis.conf), or a save "
                "schedule such as 'save 3600 1 300 100'.",
            )
