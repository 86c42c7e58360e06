"""Dead tuples piling up and statistics gone stale: autovacuum is not keeping up."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity, human_seconds
from warden.audit.postgres._advice import qualified
from warden.audit.postgres._facts import PostgresFacts, TableStat, register


@register
class Vacuum(Check[PostgresFacts]):
    type = "pg.vacuum"
    finding_ids = ("pg.dead_tuples", "pg.stale_analyze")
    thresholds = {
        "min_dead": 10_000,
        "dead_ratio": 0.2,
        "high_dead": 1_000_000,
        "high_dead_ratio": 0.5,
        "min_rows": 10_000,
        "analyze_factor": 2.0,
    }

    def run(self, facts: PostgresFacts) -> Iterator[Finding]:
        for t in facts.tables:
            dead = self._dead(facts, t)
            if dead:
                yield dead
            stale = self._stale(facts, t)
            if stale:
                yield stale

    def _dead(self, facts: PostgresFacts, t: TableStat) -> Finding | None:
        total = t.live_tuples + t.dead_tuples
        ratio = t.dead_tuples / total if total else 0.0
        if t.dead_tuples < self.limit("min_dead") or ratio < self.limit("dead_ratio"):
            return None
        high = t.dead_tuples >= self.limit("high_dead") and ratio >= self.limit("high_dead_ratio")
        last = (
            f"last vacuum {human_seconds(facts.now - t.last_vacuum)} ago"
            if t.last_vacuum
            else "never vacuumed"
        )
        return self.finding(
            "pg.dead_tuples",
            Severity.HIGH if high else Severity.MEDIUM,
            f"table {t.qualified}",
            f"{t.qualified} is {ratio:.0%} dead tuples",
            f"{t.dead_tuples} dead and {t.live_tuples} live tuples; {last}.",
            "Dead tuples slow scans and become bloat; index-only scans stop working.",
            f"VACUUM (ANALYZE) {qualified(t.schema, t.name)}; then check that autovacuum is on "
            "and not blocked by long transactions; lower autovacuum_vacuum_scale_factor for "
            "this table.",
            dead_tuples=t.dead_tuples,
            dead_ratio=ratio,
        )

    def _stale(self, facts: PostgresFacts, t: TableStat) -> Finding | None:
        rows = max(t.live_tuples, int(t.reltuples))
        if rows < self.limit("min_rows"):
            return None
        threshold = facts.setting("autovacuum_analyze_threshold") + facts.setting(
            "autovacuum_analyze_scale_factor"
        ) * max(t.reltuples, 0)
        never = t.last_analyze is None
        if not never and t.mods_since_analyze < self.limit("analyze_factor") * threshold:
            return None
        evidence = (
            f"never analyzed; {rows} rows, {t.mods_since_analyze} changes."
            if never
            else f"{t.mods_since_analyze} rows changed since the last analyze "
            f"{human_seconds(facts.now - (t.last_analyze or facts.now))} ago (autovacuum "
            f"would analyze after {threshold:.0f})."
        )
        return self.finding(
            "pg.stale_analyze",
            Severity.MEDIUM,
            f"table {t.qualified}",
            f"statistics of {t.qualified} are stale",
            evidence,
            "The planner chooses plans from these statistics; stale ones give bad row "
            "estimates and slow plans.",
            f"ANALYZE {qualified(t.schema, t.name)}; and check that autovacuum runs.",
            changes=t.mods_since_analyze,
        )
