"""Statements that scan whole tables: no index used, or no good index."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity, human_seconds
from warden.audit.mysql._advice import index_hint
from warden.audit.mysql._facts import MySqlFacts, register


@register
class FullScans(Check[MySqlFacts]):
    type = "mysql.full_scans"
    finding_ids = ("mysql.full_scan", "mysql.no_good_index")
    thresholds = {
        "min_calls": 10,
        "min_rows_per_call": 1000,
        "min_share": 0.5,
        "high_rows_per_call": 100_000,
        "high_calls": 1000,
        "top": 10,
    }

    def run(self, facts: MySqlFacts) -> Iterator[Finding]:
        if not facts.digests:
            return
        found = 0
        for d in facts.digests:
            if d.calls < self.limit("min_calls") or found >= self.limit("top"):
                continue
            per_call = d.rows_examined / d.calls
            if per_call < self.limit("min_rows_per_call"):
                continue
            if d.no_index_used / d.calls >= self.limit("min_share"):
                id_, what = "mysql.full_scan", "used no index"
                count = d.no_index_used
            elif d.no_good_index_used / d.calls >= self.limit("min_share"):
                id_, what = "mysql.no_good_index", "found no good index"
                count = d.no_good_index_used
            else:
                continue
            found += 1
            high = per_call >= self.limit("high_rows_per_call") and d.calls >= self.limit(
                "high_calls"
            )
            yield self.finding(
                id_,
                Severity.HIGH if high else Severity.MEDIUM,
                d.text[:120],
                f"a statement {what} in {count} of {d.calls} runs",
                f"{d.calls} calls examined {d.rows_examined} rows (~{per_call:.0f} per call) to "
                f"send {d.rows_sent}; total {human_seconds(d.total_ms / 1000)} in schema "
                f"{d.schema}. Digest: {d.text}",
                "A full table scan reads every row each time: it gets slower as the table grows "
                "and evicts useful pages from the buffer pool.",
                index_hint(d.text),
                calls=d.calls,
                rows_per_call=per_call,
            )
