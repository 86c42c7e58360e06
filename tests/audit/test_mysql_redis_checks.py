"""Table-driven tests of each MySQL/MariaDB and Redis check over synthetic facts."""

from __future__ import annotations

from typing import Any

import pytest

from audit import _facts as F
from warden.audit import Check, Severity
from warden.audit.mysql import (
    buffer_pool,
    full_scans,
    redundant_indexes,
    statement_digests,
    tmp_disk_tables,
    unused_indexes,
)
from warden.audit.mysql import connections as my_connections
from warden.audit.mysql._advice import digest_tables, index_hint, where_columns
from warden.audit.redis import (
    clients,
    eviction_policy,
    evictions,
    fragmentation,
    hit_ratio,
    memory,
    persistence,
    slowlog,
)

H, M, L, C = Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.CRITICAL
SCAN = "SELECT * FROM `orders` WHERE `customer_id` = ?"
MiB = 1024**2


def run(cls: type[Check[Any]], facts: Any) -> list[tuple[str, Severity]]:
    return [(f.id, f.severity) for f in cls().run(facts)]


MYSQL_CASES = [
    (statement_digests.StatementDigests, F.mysql(), []),
    (statement_digests.StatementDigests,
     F.mysql(digests=None, digest_state="performance_schema is OFF"),
     [("mysql.performance_schema_off", L)]),
    (full_scans.FullScans,
     F.mysql(digests=[F.digest(SCAN, calls=100, rows_examined=2_000_000, no_index_used=100)]),
     [("mysql.full_scan", M)]),
    (full_scans.FullScans,
     F.mysql(digests=[F.digest(SCAN, calls=5000, rows_examined=10**9, no_index_used=5000)]),
     [("mysql.full_scan", H)]),
    (full_scans.FullScans,
     F.mysql(digests=[F.digest(SCAN, calls=100, rows_examined=2_000_000,
                               no_good_index_used=90)]),
     [("mysql.no_good_index", M)]),
    (full_scans.FullScans,
     F.mysql(digests=[F.digest(SCAN, calls=100, rows_examined=500, no_index_used=100)]), []),
    (tmp_disk_tables.TmpDiskTables,
     F.mysql(digests=[F.digest("SELECT ... GROUP BY `note`", tmp_disk_tables=100,
                               tmp_tables=100)]),
     [("mysql.tmp_disk_tables", M)]),
    (tmp_disk_tables.TmpDiskTables,
     F.mysql(status={"Created_tmp_disk_tables": 5000, "Created_tmp_tables": 10000}),
     [("mysql.tmp_disk_tables", M)]),
    (tmp_disk_tables.TmpDiskTables,
     F.mysql(status={"Created_tmp_disk_tables": 50, "Created_tmp_tables": 10000}), []),
    (unused_indexes.UnusedIndexes,
     F.mysql(indexes=[F.my_index("idx_note", ("note",))],
             index_reads={("shop", "orders", "idx_note"): 0}),
     [("mysql.unused_index", L)]),
    (unused_indexes.UnusedIndexes,
     F.mysql(indexes=[F.my_index("idx_note", ("note",))], index_reads={}), []),
    (unused_indexes.UnusedIndexes,
     F.mysql(indexes=[F.my_index("idx_note", ("note",))], index_reads={},
             index_usage_source="userstat"),
     [("mysql.unused_index", L)]),
    (unused_indexes.UnusedIndexes,
     F.mysql(indexes=[F.my_index("uq_email", ("email",), unique=True)],
             index_reads={("shop", "orders", "uq_email"): 0}), []),
    (unused_indexes.UnusedIndexes,
     F.mysql(indexes=[F.my_index("idx_note", ("note",))], index_reads=None,
             index_usage_source="none"),
     [("mysql.index_usage_unavailable", L)]),
    # statistics of a few seconds: no verdict on any index, one finding that says why
    (unused_indexes.UnusedIndexes,
     F.mysql(indexes=[F.my_index("idx_note", ("note",)), F.my_index("idx_b", ("b",))],
             index_reads={("shop", "orders", "idx_note"): 0, ("shop", "orders", "idx_b"): 0},
             status={"Uptime": 12}),
     [("mysql.index_usage_too_short", L)]),
    (redundant_indexes.RedundantIndexes,
     F.mysql(indexes=[F.my_index("idx_a", ("a",)), F.my_index("idx_a_b", ("a", "b"))]),
     [("mysql.redundant_index", M)]),
    (redundant_indexes.RedundantIndexes,
     F.mysql(indexes=[F.my_index("idx_a", ("a",)), F.my_index("idx_a2", ("a",))]),
     [("mysql.redundant_index", M)]),
    (redundant_indexes.RedundantIndexes,
     F.mysql(indexes=[F.my_index("uq_a", ("a",), unique=True),
                      F.my_index("idx_a_b", ("a", "b"))]), []),
    (redundant_indexes.RedundantIndexes,
     F.mysql(indexes=[F.my_index("idx_b", ("b",)), F.my_index("idx_a_b", ("a", "b"))]), []),
    (my_connections.Connections, F.mysql(status={"Threads_connected": 140}),
     [("mysql.connections_high", H)]),
    (my_connections.Connections,
     F.mysql(status={"Threads_connected": 10, "Connection_errors_max_connections": 3}),
     [("mysql.connections_refused", H)]),
    (my_connections.Connections, F.mysql(), []),
    (buffer_pool.BufferPool,
     F.mysql(status={"Innodb_buffer_pool_read_requests": 1_000_000,
                     "Innodb_buffer_pool_reads": 100_000}),
     [("mysql.buffer_pool_hit_ratio", H)]),
    (buffer_pool.BufferPool,
     F.mysql(status={"Innodb_buffer_pool_read_requests": 1_000_000,
                     "Innodb_buffer_pool_reads": 20_000}),
     [("mysql.buffer_pool_hit_ratio", M)]),
    (buffer_pool.BufferPool, F.mysql(tables=[F.my_table(data_bytes=2 * F.GiB)]),
     [("mysql.buffer_pool_small", L)]),
    (buffer_pool.BufferPool, F.mysql(tables=[F.my_table()]), []),
]  # fmt: skip

REDIS_CASES = [
    (memory.Memory, F.redis({"used_memory": 1010 * MiB}), [("redis.memory_near_limit", C)]),
    (memory.Memory, F.redis({"used_memory": 930 * MiB}), [("redis.memory_near_limit", H)]),
    (memory.Memory, F.redis({"used_memory": 800 * MiB}), [("redis.memory_near_limit", M)]),
    (memory.Memory, F.redis(), []),
    (memory.Memory, F.redis(config={"maxmemory": "0"}), [("redis.maxmemory_unset", L)]),
    (memory.Memory, F.redis({"used_memory": 10 * F.GiB}, config={"maxmemory": "0"}),
     [("redis.maxmemory_unset", M)]),
    (eviction_policy.EvictionPolicy,
     F.redis({"used_memory": 900 * MiB},
             config={"maxmemory": str(F.GiB), "maxmemory-policy": "noeviction"}),
     [("redis.eviction_policy", H)]),
    (eviction_policy.EvictionPolicy,
     F.redis(config={"maxmemory": str(F.GiB), "maxmemory-policy": "volatile-lru"}, expires=0),
     [("redis.eviction_policy", M)]),
    (eviction_policy.EvictionPolicy, F.redis(), []),
    (evictions.Evictions, F.redis({"evicted_keys": 10}), [("redis.evictions", L)]),
    (evictions.Evictions,
     F.redis({"evicted_keys": 10}, config={"maxmemory-policy": "volatile-ttl"}),
     [("redis.evictions", M)]),
    (hit_ratio.HitRatio, F.redis({"keyspace_hits": 5000, "keyspace_misses": 15000}),
     [("redis.hit_ratio", M)]),
    (hit_ratio.HitRatio, F.redis({"keyspace_hits": 19000, "keyspace_misses": 1000}), []),
    (hit_ratio.HitRatio, F.redis({"keyspace_hits": 1, "keyspace_misses": 100}), []),
    (fragmentation.Fragmentation,
     F.redis({"used_memory": 200 * MiB, "used_memory_rss": 600 * MiB,
              "mem_fragmentation_ratio": 3.0}),
     [("redis.fragmentation", M)]),
    (fragmentation.Fragmentation,
     F.redis({"used_memory": 400 * MiB, "used_memory_rss": 200 * MiB,
              "mem_fragmentation_ratio": 0.5}),
     [("redis.swapping", H)]),
    (fragmentation.Fragmentation,
     F.redis({"used_memory": 1 * MiB, "used_memory_rss": 6 * MiB,
              "mem_fragmentation_ratio": 6.0}), []),
    (clients.Clients, F.redis({"connected_clients": 9000}), [("redis.clients_high", H)]),
    (clients.Clients, F.redis({"rejected_connections": 4}), [("redis.rejected_connections", H)]),
    (clients.Clients, F.redis(), []),
    (persistence.Persistence, F.redis({"rdb_last_bgsave_status": "err"}),
     [("redis.rdb_save_failed", H)]),
    (persistence.Persistence,
     F.redis({"aof_enabled": 1, "aof_last_write_status": "err"}), [("redis.aof_failed", H)]),
    (persistence.Persistence, F.redis(config={"save": "", "appendonly": "no"}),
     [("redis.persistence_off", L)]),
    (persistence.Persistence, F.redis(), []),
    (slowlog.SlowLog, F.redis(slowlog=[F.slow("KEYS *", 50_000)]),
     [("redis.keys_command", M), ("redis.slow_commands", L)]),
    (slowlog.SlowLog, F.redis(slowlog=[F.slow("HGETALL big", 250_000)]),
     [("redis.slow_commands", M)]),
    (slowlog.SlowLog, F.redis(slowlog=[F.slow("GET k", 20)]), []),
]  # fmt: skip


@pytest.mark.parametrize(("check", "facts", "expected"), MYSQL_CASES + REDIS_CASES)
def test_check(check: type[Check[Any]], facts: Any, expected: list[tuple[str, Severity]]) -> None:
    assert run(check, facts) == expected


@pytest.mark.parametrize(
    ("text", "tables", "columns"),
    [
        (SCAN, ["orders"], ["customer_id"]),
        ("SELECT * FROM `shop` . `orders` WHERE `a` = ? AND `b` > ?", ["shop.orders"], ["a", "b"]),
        ("SELECT * FROM `a` JOIN `b` ON `a` . `id` = `b` . `a_id`", ["a", "b"], []),
        ("UPDATE `t` SET `x` = ? WHERE `id` IN (...)", ["t"], ["id"]),
    ],
)
def test_digest_reading(text: str, tables: list[str], columns: list[str]) -> None:
    assert digest_tables(text) == tables
    assert where_columns(text) == columns


def test_index_hint() -> None:
    assert index_hint(SCAN).startswith("ALTER TABLE orders ADD INDEX (`customer_id`);")
    assert index_hint("SELECT 1").startswith("Run EXPLAIN")


def test_slowlog_never_shows_values() -> None:
    from warden.audit.redis._gather import _slow_entry

    entry = _slow_entry({"id": 1, "start_time": 1, "duration": 5, "command": b"SET k s3cret"})
    assert entry.command == "SET k"


@pytest.mark.parametrize(
    ("source", "uptime", "says"),
    [
        ("performance_schema", 90_000, "since the server started 1d1h ago"),
        ("userstat", 90_000, "since user statistics were turned on"),
        ("performance_schema", 12, "12.0 s"),
    ],
)
def test_unused_index_evidence_states_the_real_span(source: str, uptime: int, says: str) -> None:
    facts = F.mysql(
        indexes=[F.my_index("idx_note", ("note",))],
        index_reads={("shop", "orders", "idx_note"): 0},
        index_usage_source=source,
        status={"Uptime": uptime},
    )
    (finding,) = unused_indexes.UnusedIndexes().run(facts)
    assert says in finding.evidence
