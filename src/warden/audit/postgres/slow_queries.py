"""Slow queries from pg_stat_statements, or how to enable it when it is missing."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity, human_seconds
from warden.audit.postgres._facts import PostgresFacts, register

_WHY_MISSING = (
    "Without pg_stat_statements nobody can tell which queries take the database's time, and "
    "the missing-index advice cannot name columns."
)


@register
class SlowQueries(Check[PostgresFacts]):
    type = "pg.slow_queries"
    finding_ids = ("pg.slow_query", "pg.pg_stat_statements_missing")
    thresholds = {"medium_mean_ms": 100.0, "high_mean_ms": 1000.0, "min_calls": 10, "top": 10}

    def run(self, facts: PostgresFacts) -> Iterator[Finding]:
        pgss = facts.pgss
        if pgss.statements is None:
            yield self._missing(facts)
            return
        grand_total = sum(s.total_ms for s in pgss.statements) or 1.0
        slow = [
            s
            for s in pgss.statements
            if s.calls >= self.limit("min_calls") and s.mean_ms >= self.limit("medium_mean_ms")
        ]
        slow.sort(key=lambda s: s.total_ms, reverse=True)
        for st in slow[: int(self.limit("top"))]:
            high = st.mean_ms >= self.limit("high_mean_ms")
            share = st.total_ms / grand_total
            yield self.finding(
                "pg.slow_query",
                Severity.HIGH if high else Severity.MEDIUM,
                st.query[:120],
                f"query averages {st.mean_ms:.0f} ms",
                f"mean {st.mean_ms:.1f} ms over {st.calls} calls, total "
                f"{human_seconds(st.total_ms / 1000)} ({share:.0%} of the time of the top "
                f"statements); {st.rows} rows returned. Query: {st.query}",
                "Slow statements hold connections and locks longer and are what users wait for.",
                "Run EXPLAIN (ANALYZE, BUFFERS) on it with real parameters; add the index it "
                "lacks, fetch fewer rows, or cache the result.",
                mean_ms=st.mean_ms,
                calls=st.calls,
                total_ms=st.total_ms,
            )

    def _missing(self, facts: PostgresFacts) -> Finding:
        p = facts.pgss
        if p.error:
            state, fix = f"it cannot be read: {p.error}", "Check the extension and its grants."
        elif not p.available:
            state = "the extension is not available on the server"
            fix = (
                "Install the contrib modules (Debian/Ubuntu: apt-get install postgresql-contrib), "
                "add pg_stat_statements to shared_preload_libraries, restart PostgreSQL, then "
                "run CREATE EXTENSION pg_stat_statements; in this database."
            )
        elif not p.preloaded:
            state = "it is not in shared_preload_libraries" + (
                " (the extension is created)" if p.installed else ""
            )
            fix = (
                "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements' (keep any "
                "libraries already listed) and restart PostgreSQL"
                + ("." if p.installed else "; then CREATE EXTENSION pg_stat_statements;")
            )
        else:
            state = "it is preloaded but the extension is not created in this database"
            fix = "CREATE EXTENSION pg_stat_statements;"
        return self.finding(
            "pg.pg_stat_statements_missing",
            Severity.LOW,
            f"database {facts.database}",
            "pg_stat_statements is not enabled",
            f"slow queries cannot be listed: {state}.",
            _WHY_MISSING,
            fix,
        )
