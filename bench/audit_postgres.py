"""Times a PostgreSQL audit of a database with 5,000 tables (issue 6: "under 10 s").

Creates ``warden_bench_audit_<random>`` on the server (default: the machine's PostgreSQL),
with N tables (each with a serial primary key, a secondary index and 20 rows, then ANALYZE),
runs the full ``warden audit postgres`` pipeline (one read-only pass over the catalogs plus
every check) three times, prints the timings, and drops the database.

    .venv/bin/python bench/audit_postgres.py [--tables 5000] [--url postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import time

import psycopg
from psycopg import sql

from warden.audit import AuditOptions, audit

BATCH = 250  # tables per transaction (each takes a few locks; stay under the lock table)


def create(admin: str, name: str, tables: int) -> str:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = admin.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(url, autocommit=True) as conn:
        for start in range(1, tables + 1, BATCH):
            end = min(tables, start + BATCH - 1)
            conn.execute(
                sql.SQL(
                    "DO $$ BEGIN FOR i IN {}..{} LOOP "
                    "EXECUTE format('CREATE TABLE t%s (id serial PRIMARY KEY, a int, b text)', i); "
                    "EXECUTE format('CREATE INDEX t%s_a ON t%s (a)', i, i); "
                    "EXECUTE format('INSERT INTO t%s (a, b) SELECT g, md5(g::text) "
                    "FROM generate_series(1, 20) g', i); "
                    "END LOOP; END $$"
                ).format(sql.Literal(start), sql.Literal(end))
            )
        conn.execute("ANALYZE")
    return url


def drop(admin: str, name: str) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tables", type=int, default=5000)
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    tables = max(1, min(args.tables, 20000))  # bounded
    name = f"warden_bench_audit_{secrets.token_hex(4)}"
    t0 = time.perf_counter()
    try:
        url = create(args.url, name, tables)
        print(
            f"created {tables} tables (+{tables} indexes, {tables} sequences) in "
            f"{time.perf_counter() - t0:.1f} s"
        )
        times = []
        for run in range(1, max(1, min(args.runs, 10)) + 1):
            t = time.perf_counter()
            report = asyncio.run(audit("postgres", url, AuditOptions(timeout=60)))
            times.append(time.perf_counter() - t)
            counts = ", ".join(f"{n} {k}" for k, n in report.counts().items() if n)
            print(
                f"run {run}: audit of {report.facts['tables']} tables, "
                f"{report.facts['indexes']} indexes in {times[-1]:.2f} s "
                f"({len(report.findings)} findings: {counts}; errors: {len(report.errors)})"
            )
        best, worst = min(times), max(times)
        verdict = "PASS" if worst < 10 else "FAIL"
        print(
            f"postgres audit, {tables} tables: best {best:.2f} s, worst {worst:.2f} s "
            f"(target < 10 s: {verdict})"
        )
    finally:
        drop(args.url, name)  # fmt: skip


if __name__ == "__main__":
    main()
