"""Temporary tables written to disk, per statement and for the whole server."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity, human_bytes
from warden.audit.mysql._facts import MySqlFacts, register

_WHY = "An on-disk temporary table turns a GROUP BY or ORDER BY into disk I/O: much slower."


@register
class TmpDiskTables(Check[MySqlFacts]):
    type = "mysql.tmp_disk_tables"
    finding_ids = ("mysql.tmp_disk_tables",)
    thresholds = {"min_calls": 10, "min_share": 0.5, "server_ratio": 0.25, "server_min": 1000}

    def run(self, facts: MySqlFacts) -> Iterator[Finding]:
        for d in facts.digests or []:
            if d.calls < self.limit("min_calls"):
                continue
            share = d.tmp_disk_tables / d.calls
            if share < self.limit("min_share"):
                continue
            yield self.finding(
                "mysql.tmp_disk_tables",
                Severity.MEDIUM,
                d.text[:120],
                f"a statement creates on-disk temporary tables in {share:.0%} of its runs",
                f"{d.tmp_disk_tables} on-disk of {d.tmp_tables} temporary tables over {d.calls} "
                f"calls in schema {d.schema}. Digest: {d.text}",
                _WHY,
                "Index the GROUP BY / ORDER BY columns, avoid TEXT/BLOB columns in the grouped "
                "result (they force disk), or select fewer columns.",
                calls=d.calls,
                share=share,
            )
        disk = facts.stat("Created_tmp_disk_tables")
        total = facts.stat("Created_tmp_tables")
        if total >= self.limit("server_min") and disk / total >= self.limit("server_ratio"):
            limit = min(
                facts.variable_int("tmp_table_size"), facts.variable_int("max_heap_table_size")
            )
            yield self.finding(
                "mysql.tmp_disk_tables",
                Severity.MEDIUM,
                "server",
                f"{disk / total:.0%} of temporary tables go to disk",
                f"Created_tmp_disk_tables {disk} of Created_tmp_tables {total} since start; "
                f"in-memory limit min(tmp_table_size, max_heap_table_size) = {human_bytes(limit)}.",
                _WHY,
                "Find the statements (performance_schema digests with SUM_CREATED_TMP_DISK_TABLES)"
                " and fix them first; raise tmp_table_size and max_heap_table_size together only "
                "if the results are legitimately large.",
                share=disk / total,
            )
