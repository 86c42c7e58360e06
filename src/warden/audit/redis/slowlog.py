"""Slow commands in the slow log, and KEYS, which blocks the server."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity
from warden.audit.redis._facts import RedisFacts, register


@register
class SlowLog(Check[RedisFacts]):
    type = "redis.slowlog"
    finding_ids = ("redis.slow_commands", "redis.keys_command")
    thresholds = {"medium_us": 100_000, "min_us": 10_000}

    def run(self, facts: RedisFacts) -> Iterator[Finding]:
        entries = [e for e in facts.slowlog if e.duration_us >= self.limit("min_us")]
        keys = [e for e in facts.slowlog if e.command.split(" ")[0].upper() == "KEYS"]
        if keys:
            yield self.finding(
                "redis.keys_command",
                Severity.MEDIUM,
                "command KEYS",
                "KEYS is used",
                f"{len(keys)} KEYS calls in the last {len(facts.slowlog)} slow log entries, "
                f"longest {max(e.duration_us for e in keys) / 1000:.1f} ms.",
                "KEYS walks the whole keyspace while Redis serves nothing else.",
                "Use SCAN with MATCH and COUNT, or keep an index set of the keys you need.",
            )
        if not entries:
            return
        worst = sorted(entries, key=lambda e: e.duration_us, reverse=True)[:5]
        listed = ", ".join(f"{e.command} ({e.duration_us / 1000:.1f} ms)" for e in worst)
        high = worst[0].duration_us >= self.limit("medium_us")
        yield self.finding(
            "redis.slow_commands",
            Severity.MEDIUM if high else Severity.LOW,
            "slow log",
            f"{len(entries)} slow commands, the slowest {worst[0].duration_us / 1000:.0f} ms",
            f"slowest: {listed}; slowlog length {facts.slowlog_len}.",
            "Redis runs commands one at a time: a slow command delays every client.",
            "Avoid O(N) commands on big keys (HGETALL, SMEMBERS, LRANGE 0 -1, DEL of big keys: "
            "use UNLINK), split big keys, and use SCAN-style iteration.",
            slowest_us=worst[0].duration_us,
        )
