"""Table-driven tests of each PostgreSQL check over synthetic facts."""

from __future__ import annotations

from typing import Any

import pytest

from audit import _facts as F
from warden.audit import Check, Severity
from warden.audit.postgres import (
    blocked_queries,
    cache_hit,
    connections,
    duplicate_indexes,
    idle_in_transaction,
    index_bloat,
    invalid_constraints,
    invalid_indexes,
    long_running,
    memory_settings,
    missing_indexes,
    replication,
    safety_settings,
    sequences,
    slow_queries,
    table_bloat,
    unused_indexes,
    vacuum,
    wraparound,
)
from warden.audit.postgres._advice import advise_indexes
from warden.audit.postgres._facts import Constraint, PgStatStatements, Replica, Slot

H, M, L, C = Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.CRITICAL


def run(cls: type[Check[Any]], facts: Any) -> list[tuple[str, Severity]]:
    return [(f.id, f.severity) for f in cls().run(facts)]


BIG_SCANNED = F.table(
    name="orders", live_tuples=50_000, reltuples=50_000, seq_scan=40, seq_tup_read=2_000_000,
    idx_scan=0, columns=("id", "customer_id", "status", "total", "created_at"),
)  # fmt: skip

CASES = [
    # missing indexes
    (missing_indexes.MissingIndexes, F.pg(tables=[BIG_SCANNED]), [("pg.missing_index", M)]),
    (missing_indexes.MissingIndexes, F.pg(tables=[F.table(live_tuples=500, seq_scan=99)]), []),
    (missing_indexes.MissingIndexes,
     F.pg(tables=[F.table(live_tuples=50_000, seq_scan=40, seq_tup_read=2_000_000,
                          idx_scan=100_000)]), []),
    (missing_indexes.MissingIndexes,
     F.pg(tables=[F.table(live_tuples=500_000, seq_scan=5000, seq_tup_read=10**9, idx_scan=0)]),
     [("pg.missing_index", H)]),
    # unused, duplicate, invalid indexes
    (unused_indexes.UnusedIndexes, F.pg(indexes=[F.index(scans=0)]), [("pg.unused_index", L)]),
    (unused_indexes.UnusedIndexes, F.pg(indexes=[F.index(scans=0, size_bytes=10**9)]),
     [("pg.unused_index", M)]),
    (unused_indexes.UnusedIndexes, F.pg(indexes=[F.index(scans=0, unique=True)]), []),
    (unused_indexes.UnusedIndexes, F.pg(indexes=[F.index(scans=0, backs_constraint=True)]), []),
    (unused_indexes.UnusedIndexes, F.pg(indexes=[F.index(scans=3)]), []),
    (duplicate_indexes.DuplicateIndexes,
     F.pg(indexes=[F.index(), F.index(name="t_a_b_idx", keys=(2, 3), opclasses=(1978, 1978),
                                     options=(0, 0))]),
     [("pg.duplicate_index", M)]),
    (duplicate_indexes.DuplicateIndexes, F.pg(indexes=[F.index(), F.index(name="t_a_idx2")]),
     [("pg.duplicate_index", M)]),
    (duplicate_indexes.DuplicateIndexes,
     F.pg(indexes=[F.index(unique=True), F.index(name="t_a_b", keys=(2, 3),
                                                 opclasses=(1978, 1978), options=(0, 0))]), []),
    (duplicate_indexes.DuplicateIndexes,
     F.pg(indexes=[F.index(), F.index(name="t_a_part", predicate="(a > 0)")]), []),
    (duplicate_indexes.DuplicateIndexes,
     F.pg(indexes=[F.index(), F.index(name="t_a_gin", method="gin")]), []),
    (invalid_indexes.InvalidIndexes, F.pg(indexes=[F.index(valid=False)]),
     [("pg.invalid_index", H)]),
    (invalid_indexes.InvalidIndexes, F.pg(indexes=[F.index(valid=False, building=True)]),
     [("pg.invalid_index", L)]),
    # bloat
    (table_bloat.TableBloat,
     F.pg(tables=[F.table(reltuples=1_000_000, relpages=200_000, row_width=40)]),
     [("pg.table_bloat", H)]),
    (table_bloat.TableBloat,
     F.pg(tables=[F.table(reltuples=1_000_000, relpages=9_200, row_width=40)]), []),
    (table_bloat.TableBloat, F.pg(tables=[F.table(relpages=200_000, row_width=None)]), []),
    (index_bloat.IndexBloat,
     F.pg(indexes=[F.index(reltuples=1_000_000, relpages=40_000, key_width=8)]),
     [("pg.index_bloat", M)]),
    (index_bloat.IndexBloat,
     F.pg(indexes=[F.index(reltuples=1_000_000, relpages=3_000, key_width=8)]), []),
    # vacuum
    (vacuum.Vacuum, F.pg(tables=[F.table(live_tuples=50_000, dead_tuples=40_000)]),
     [("pg.dead_tuples", M)]),
    (vacuum.Vacuum, F.pg(tables=[F.table(live_tuples=500_000, dead_tuples=2_000_000)]),
     [("pg.dead_tuples", H)]),
    (vacuum.Vacuum, F.pg(tables=[F.table(live_tuples=50_000, reltuples=50_000,
                                         last_analyze=None)]), [("pg.stale_analyze", M)]),
    (vacuum.Vacuum, F.pg(tables=[F.table(live_tuples=50_000, reltuples=50_000,
                                         mods_since_analyze=40_000)]), [("pg.stale_analyze", M)]),
    (vacuum.Vacuum, F.pg(tables=[F.table(live_tuples=50_000, reltuples=50_000,
                                         mods_since_analyze=100)]), []),
    # wraparound
    (wraparound.Wraparound, F.pg(database_ages={"shop": 1_600_000_000}),
     [("pg.xid_wraparound", C)]),
    (wraparound.Wraparound, F.pg(database_ages={"shop": 1_100_000_000}),
     [("pg.xid_wraparound", H)]),
    (wraparound.Wraparound, F.pg(database_ages={"shop": 400_000_000}), [("pg.xid_wraparound", M)]),
    (wraparound.Wraparound, F.pg(database_ages={"shop": 150_000_000}), []),
    # sequences
    (sequences.Sequences,
     F.pg(sequences=[F.sequence(last_value=2_100_000_000, owner_type="integer")]),
     [("pg.sequence_exhaustion", C)]),
    (sequences.Sequences,
     F.pg(sequences=[F.sequence(last_value=1_800_000_000, owner_type="integer")]),
     [("pg.sequence_exhaustion", H)]),
    (sequences.Sequences, F.pg(sequences=[F.sequence(last_value=2_100_000_000)]), []),
    (sequences.Sequences, F.pg(sequences=[F.sequence(last_value=900, max_value=1000, owner=None,
                                                     owner_type=None)]),
     [("pg.sequence_exhaustion", H)]),
    (sequences.Sequences, F.pg(sequences=[F.sequence(last_value=None)]), []),
    # connections
    (connections.Connections, F.pg(connections={"active": 10, "idle": 75, "total": 85}),
     [("pg.connections_high", H), ("pg.pooler_recommended", M)]),
    (connections.Connections, F.pg(connections={"active": 96, "total": 96}),
     [("pg.connections_high", C)]),
    (connections.Connections, F.pg(), []),
    # sessions
    (long_running.LongRunning, F.pg(sessions=[F.session(query_seconds=400)]),
     [("pg.long_running_query", H)]),
    (long_running.LongRunning, F.pg(sessions=[F.session(query_seconds=90)]),
     [("pg.long_running_query", M)]),
    (long_running.LongRunning, F.pg(sessions=[F.session(state="idle", query_seconds=900)]), []),
    (idle_in_transaction.IdleInTransaction,
     F.pg(sessions=[F.session(state="idle in transaction", state_seconds=45)]),
     [("pg.idle_in_transaction", M)]),
    (idle_in_transaction.IdleInTransaction,
     F.pg(sessions=[F.session(state="idle in transaction (aborted)", state_seconds=600)]),
     [("pg.idle_in_transaction", H)]),
    (idle_in_transaction.IdleInTransaction,
     F.pg(sessions=[F.session(state="idle in transaction", state_seconds=2)]), []),
    (blocked_queries.BlockedQueries,
     F.pg(sessions=[F.session(pid=1, blocked_by=(2,), query_seconds=20),
                    F.session(pid=2, state="idle in transaction")]),
     [("pg.blocked_query", M)]),
    (blocked_queries.BlockedQueries, F.pg(sessions=[F.session(blocked_by=(), query_seconds=99)]),
     []),
    # cache
    (cache_hit.CacheHit, F.pg(cache={"heap_hit": 80_000, "heap_read": 20_000, "idx_hit": 10,
                                     "idx_read": 0}), [("pg.table_cache_hit", H)]),
    (cache_hit.CacheHit, F.pg(cache={"heap_hit": 970_000, "heap_read": 30_000,
                                     "idx_hit": 999_000, "idx_read": 100}),
     [("pg.table_cache_hit", M)]),
    (cache_hit.CacheHit, F.pg(cache={"heap_hit": 10, "heap_read": 90, "idx_hit": 0,
                                     "idx_read": 0}), []),
    # replication
    (replication.Replication, F.pg(replicas=[Replica("standby1", "streaming", 400.0, 10**6)]),
     [("pg.replication_lag", H)]),
    (replication.Replication, F.pg(replicas=[Replica("standby1", "streaming", 0.1, 100)]), []),
    (replication.Replication, F.pg(slots=[Slot("old", False, 20 * 1024**3)]),
     [("pg.inactive_slot", H)]),
    (replication.Replication, F.pg(slots=[Slot("live", True, 20 * 1024**3)]), []),
    (replication.Replication, F.pg(in_recovery=True, replay_delay_seconds=60.0),
     [("pg.replication_lag", M)]),
    # settings
    (memory_settings.MemorySettings, F.pg(), []),
    (memory_settings.MemorySettings, F.pg(machine_memory=None), []),
    (memory_settings.MemorySettings,
     F.pg(settings={**F.pg().settings, "shared_buffers": 128 * 1024**2,
                    "effective_cache_size": 4 * F.GiB, "work_mem": 512 * 1024**2,
                    "maintenance_work_mem": 64 * 1024**2}),
     [("pg.shared_buffers", M), ("pg.effective_cache_size", L), ("pg.work_mem", M),
      ("pg.maintenance_work_mem", L)]),
    (safety_settings.SafetySettings, F.pg(), []),
    (safety_settings.SafetySettings,
     F.pg(settings={**F.pg().settings, "autovacuum": "off", "fsync": "off"}),
     [("pg.autovacuum_off", H), ("pg.fsync_off", H)]),
    (invalid_constraints.InvalidConstraints,
     F.pg(invalid_constraints=[Constraint("public", "orders", "orders_customer_fk", "f")]),
     [("pg.invalid_constraint", L)]),
    # slow queries and pg_stat_statements
    (slow_queries.SlowQueries,
     F.pg(pgss=PgStatStatements(True, True, True, [F.statement("SELECT slow", 50, 2500.0),
                                                   F.statement("SELECT fast", 5000, 0.2)])),
     [("pg.slow_query", H)]),
    (slow_queries.SlowQueries,
     F.pg(pgss=PgStatStatements(True, True, True, [F.statement("SELECT rare", 3, 900.0)])), []),
    (slow_queries.SlowQueries, F.pg(pgss=PgStatStatements(True, False, False)),
     [("pg.pg_stat_statements_missing", L)]),
]  # fmt: skip


@pytest.mark.parametrize(("check", "facts", "expected"), CASES)
def test_check(check: type[Check[Any]], facts: Any, expected: list[tuple[str, Severity]]) -> None:
    assert run(check, facts) == expected


@pytest.mark.parametrize(
    ("pgss", "fix_part"),
    [
        (PgStatStatements(False, False, False), "postgresql-contrib"),
        (PgStatStatements(True, False, False), "shared_preload_libraries"),
        (PgStatStatements(True, False, True), "restart PostgreSQL."),
        (PgStatStatements(True, True, False), "CREATE EXTENSION pg_stat_statements;"),
        (PgStatStatements(True, True, True, error="permission denied"), "grants"),
    ],
)
def test_pg_stat_statements_missing_says_how_to_enable(pgss: Any, fix_part: str) -> None:
    (finding,) = slow_queries.SlowQueries().run(F.pg(pgss=pgss))
    assert fix_part in finding.fix


@pytest.mark.parametrize(
    ("queries", "expected"),
    [
        (["SELECT * FROM orders WHERE customer_id = $1"], [("customer_id",)]),
        (["SELECT * FROM public.orders o WHERE o.customer_id = $1 AND o.total > $2"],
         [("customer_id", "total")]),
        # equality before range, whatever order the query writes them in
        (["SELECT * FROM orders WHERE total > $1 AND status = $2"], [("status", "total")]),
        (['SELECT * FROM "orders" WHERE "total" BETWEEN $1 AND $2'], [("total",)]),
        # unrelated queries are never merged into one index: one suggestion per shape
        (["SELECT * FROM orders WHERE customer_id = $1 AND status = $2",
          "SELECT * FROM orders WHERE total > $1"],
         [("customer_id", "status"), ("total",)]),
        # a shape that leads another is served by the longer index
        (["SELECT * FROM orders WHERE customer_id = $1",
          "SELECT * FROM orders WHERE customer_id = $1 AND status = $2"],
         [("customer_id", "status")]),
        # one range column at most: an index cannot use a second one
        (["SELECT * FROM orders WHERE total > $1 AND created_at < $2"], [("total",)]),
        # <> and != cannot use a B-tree index
        (["SELECT * FROM orders WHERE status <> $1"], []),
        (["SELECT * FROM orders_archive WHERE customer_id = $1"], []),
        (["SELECT * FROM orders"], []),
    ],
)  # fmt: skip
def test_index_advice(queries: list[str], expected: list[tuple[str, ...]]) -> None:
    advice = advise_indexes(BIG_SCANNED, [F.statement(q) for q in queries])
    assert [a.columns for a in advice] == expected


def test_index_advice_ranks_shapes_by_time() -> None:
    cheap = F.statement("SELECT * FROM orders WHERE status = $1", mean_ms=1)
    costly = F.statement("SELECT * FROM orders WHERE total > $1", mean_ms=50)
    advice = advise_indexes(BIG_SCANNED, [cheap, costly])
    assert [a.columns for a in advice] == [("total",), ("status",)]
    assert advice[0].statements == (costly,)


def test_index_advice_statement_quotes_odd_names() -> None:
    t = F.table(schema="Sales", name="Order Items", columns=("Customer",))
    (advice,) = advise_indexes(
        t, [F.statement('SELECT 1 FROM "Sales"."Order Items" WHERE "Customer" = $1')]
    )
    assert advice.create_statement(t) == (
        'CREATE INDEX CONCURRENTLY ON "Sales"."Order Items" ("Customer");'
    )


def test_missing_index_names_the_columns_from_statements() -> None:
    facts = F.pg(
        tables=[BIG_SCANNED],
        pgss=PgStatStatements(
            True, True, True, [F.statement("SELECT * FROM orders WHERE customer_id = $1")]
        ),
    )
    (finding,) = missing_indexes.MissingIndexes().run(facts)
    assert "CREATE INDEX CONCURRENTLY ON public.orders (customer_id);" in finding.fix


def test_thresholds_can_be_overridden() -> None:
    facts = F.pg(sessions=[F.session(state="idle in transaction", state_seconds=2)])
    check = idle_in_transaction.IdleInTransaction({"medium_seconds": 1})
    assert [f.id for f in check.run(facts)] == ["pg.idle_in_transaction"]
