"""Large tables read mostly by sequential scans: the index they miss, when queries tell it."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity
from warden.audit.postgres._advice import advise_indexes, qualified
from warden.audit.postgres._facts import PostgresFacts, register


@register
class MissingIndexes(Check[PostgresFacts]):
    type = "pg.missing_indexes"
    finding_ids = ("pg.missing_index",)
    thresholds = {
        "min_rows": 10_000,
        "min_seq_scans": 10,
        "max_index_share": 0.95,
        "high_seq_scans": 1000,
        "high_rows": 100_000,
    }

    def run(self, facts: PostgresFacts) -> Iterator[Finding]:
        for t in facts.tables:
            rows = max(t.live_tuples, int(t.reltuples))
            scans = t.seq_scan + t.idx_scan
            if rows < self.limit("min_rows") or t.seq_scan < self.limit("min_seq_scans"):
                continue
            share = t.idx_scan / scans if scans else 0.0
            rows_per_scan = t.seq_tup_read / t.seq_scan
            if share >= self.limit("max_index_share") or rows_per_scan < self.limit("min_rows"):
                continue
            high = t.seq_scan >= self.limit("high_seq_scans") and rows >= self.limit("high_rows")
            advice = advise_indexes(t, facts.pgss.statements)
            if advice:
                fix = " ".join(
                    f"{a.create_statement(t)} for: "
                    + " | ".join(s.query[:160] for s in a.statements)
                    for a in advice
                ) + (
                    " (one index per query shape: equality columns first, then one range "
                    "column; confirm with EXPLAIN)"
                )
            elif facts.pgss.statements is None:
                fix = (
                    f"Index the columns the queries on {qualified(t.schema, t.name)} filter by "
                    "(CREATE INDEX CONCURRENTLY ...); enable pg_stat_statements and Warden will "
                    "name them."
                )
            else:
                fix = (
                    f"Find the statements on {qualified(t.schema, t.name)} in "
                    "pg_stat_statements and index the columns of their WHERE clauses "
                    "(CREATE INDEX CONCURRENTLY ...)."
                )
            yield self.finding(
                "pg.missing_index",
                Severity.HIGH if high else Severity.MEDIUM,
                f"table {t.qualified}",
                f"{t.qualified} is read by sequential scans",
                f"{t.seq_scan} sequential scans read {t.seq_tup_read} rows "
                f"(~{rows_per_scan:.0f} per scan) of a {rows}-row table; only {share:.0%} of "
                "its scans use an index.",
                "Each sequential scan reads the whole table: the cost grows with the table and "
                "the queries get slower as data accumulates.",
                fix,
                seq_scans=t.seq_scan,
                rows=rows,
                index_share=share,
            )
