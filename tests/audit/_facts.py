"""Builders of synthetic facts for the table-driven check tests (no I/O)."""

from __future__ import annotations

import dataclasses
from typing import Any

from warden.audit.mysql._facts import Digest, MyIndex, MySqlFacts, MyTable
from warden.audit.postgres._facts import (
    IndexStat,
    PgStatStatements,
    PostgresFacts,
    SequenceStat,
    Session,
    Statement,
    TableStat,
)
from warden.audit.redis._facts import RedisFacts, SlowEntry
from warden.audit.tls._facts import CertInfo, TlsFacts
from warden.audit.web._facts import Asset, WebFacts
from warden.audit.web._fetch import Fetched
from warden.audit.web._html import ImageRef, PageRefs

NOW = 1_800_000_000.0
GiB = 1024**3


def table(**kw: Any) -> TableStat:
    base = TableStat(
        schema="public", name="t", live_tuples=100, dead_tuples=0, seq_scan=0, seq_tup_read=0,
        idx_scan=10, mods_since_analyze=0, last_vacuum=NOW - 3600, last_analyze=NOW - 3600,
        reltuples=100, relpages=1, size_bytes=8192, row_width=40, fillfactor=100, xid_age=1000,
        has_indexes=True, columns=("id", "customer_id", "total"),
    )  # fmt: skip
    return dataclasses.replace(base, **kw)


def index(**kw: Any) -> IndexStat:
    base = IndexStat(
        schema="public", table="t", name="t_a_idx", definition="CREATE INDEX t_a_idx ON t (a)",
        method="btree", keys=(2,), opclasses=(1978,), options=(0,), expressions=None,
        predicate=None, unique=False, primary=False, valid=True, backs_constraint=False,
        scans=5, size_bytes=16384, relpages=2, reltuples=100, key_width=4,
    )  # fmt: skip
    return dataclasses.replace(base, **kw)


def session(**kw: Any) -> Session:
    base = Session(
        pid=42, user="app", application="web", state="active", query="SELECT 1",
        query_seconds=1.0, xact_seconds=1.0, state_seconds=1.0, wait_event_type=None,
        blocked_by=(),
    )  # fmt: skip
    return dataclasses.replace(base, **kw)


def pg(**kw: Any) -> PostgresFacts:
    base = PostgresFacts(
        version_num=150000, version="PostgreSQL 15", database="shop",
        settings={
            "max_connections": 100.0, "superuser_reserved_connections": 3.0,
            "shared_buffers": 4 * GiB, "effective_cache_size": 12 * GiB, "work_mem": 16 * 1024**2,
            "maintenance_work_mem": 1 * GiB, "autovacuum": "on", "fsync": "on",
            "track_counts": "on", "autovacuum_freeze_max_age": 200_000_000.0,
            "autovacuum_analyze_threshold": 50.0, "autovacuum_analyze_scale_factor": 0.1,
            "block_size": 8192.0, "shared_preload_libraries": "pg_stat_statements",
        },
        tables=[], indexes=[], sequences=[], sessions=[],
        connections={"active": 2, "idle": 3, "total": 5}, database_ages={"shop": 1000},
        cache={"heap_hit": 0, "heap_read": 0, "idx_hit": 0, "idx_read": 0},
        pgss=PgStatStatements(True, True, True, []), in_recovery=False,
        replay_delay_seconds=None, replicas=[], slots=[], invalid_constraints=[],
        stats_since=NOW - 86400 * 30, now=NOW, machine_memory=16 * GiB,
    )  # fmt: skip
    return dataclasses.replace(base, **kw)


def statement(query: str, calls: int = 100, mean_ms: float = 5.0) -> Statement:
    return Statement(query, calls, calls * mean_ms, mean_ms, calls)


def sequence(**kw: Any) -> SequenceStat:
    base = SequenceStat("public", "t_id_seq", 10, 2**63 - 1, 1, "public.t.id", "bigint")
    return dataclasses.replace(base, **kw)


def mysql(**kw: Any) -> MySqlFacts:
    base = MySqlFacts(
        version="10.11.6-MariaDB", flavor="mariadb", schemas=["shop"],
        variables={"max_connections": "151", "performance_schema": "ON",
                   "innodb_buffer_pool_size": str(GiB), "tmp_table_size": "16777216",
                   "max_heap_table_size": "16777216"},
        status={"Threads_connected": 5, "Max_used_connections": 10, "Uptime": 86400},
        digests=[], digest_state="ok", indexes=[], tables=[], index_reads={},
        index_usage_source="performance_schema",
    )  # fmt: skip
    return dataclasses.replace(base, **kw)


def digest(text: str, **kw: Any) -> Digest:
    base = Digest("shop", text, 100, 500.0, 100, 100, 0, 0, 0, 0)
    return dataclasses.replace(base, **kw)


def my_index(name: str, columns: tuple[str, ...], unique: bool = False) -> MyIndex:
    return MyIndex("shop", "orders", name, unique, tuple((c, None) for c in columns), "BTREE")


def my_table(**kw: Any) -> MyTable:
    return dataclasses.replace(MyTable("shop", "orders", "InnoDB", 1000, 10**6, 10**6), **kw)


def redis(info: dict[str, Any] | None = None, **kw: Any) -> RedisFacts:
    base_info: dict[str, Any] = {
        "redis_version": "7.0.15", "used_memory": 10 * 1024**2, "used_memory_rss": 12 * 1024**2,
        "mem_fragmentation_ratio": 1.2, "connected_clients": 5, "rejected_connections": 0,
        "evicted_keys": 0, "keyspace_hits": 0, "keyspace_misses": 0,
        "rdb_last_bgsave_status": "ok", "aof_enabled": 0, "total_system_memory": 16 * GiB,
        "uptime_in_seconds": 3600,
    }  # fmt: skip
    base_info.update(info or {})
    base = RedisFacts(
        info=base_info,
        config={"maxmemory": str(GiB), "maxmemory-policy": "allkeys-lru", "maxclients": "10000",
                "save": "3600 1", "appendonly": "no"},
        slowlog=[], slowlog_len=0, keys=100, expires=100,
    )  # fmt: skip
    return dataclasses.replace(base, **kw)


def slow(command: str, duration_us: int) -> SlowEntry:
    return SlowEntry(1, NOW, duration_us, command, "127.0.0.1:5000")


def cert(**kw: Any) -> CertInfo:
    base = CertInfo(
        subject="CN=shop.test", issuer="CN=Test CA", not_before=NOW - 86400,
        not_after=NOW + 90 * 86400, key_type="EC", key_bits=256, signature_hash="sha256",
        dns_names=("shop.test", "*.shop.test"), ip_addresses=(), common_name="shop.test",
        is_ca=False, ocsp_urls=(), must_staple=False, fingerprint_sha256="00",
    )  # fmt: skip
    return dataclasses.replace(base, **kw)


def tls(**kw: Any) -> TlsFacts:
    base = TlsFacts(
        host="shop.test", port=443, server_name="shop.test", now=NOW, protocol="TLSv1.3",
        cipher="TLS_AES_128_GCM_SHA256", alpn="h2",
        chain=[cert(), cert(subject="CN=Test CA", issuer="CN=Root", is_ca=True)],
        verify_error=None, verify_code=None, trust="system trust store",
        last_issuer_trusted=True,
        protocols={"TLSv1.0": False, "TLSv1.1": False, "TLSv1.2": True, "TLSv1.3": True},
        weak_ciphers={"anonymous": False, "static_rsa": False, "cbc_sha1": False},
        weak_cipher_names={}, ocsp_stapled=None,
    )  # fmt: skip
    return dataclasses.replace(base, **kw)


def fetched(url: str = "https://shop.test/", **kw: Any) -> Fetched:
    headers = kw.pop("headers", {})
    base = Fetched(
        url=url, status=200, headers=tuple((k.lower(), v) for k, v in dict(headers).items()),
        body=b"", wire_bytes=1000, truncated=False, ttfb=0.05, elapsed=0.1, connect=0.01,
        reused=False, started=0.0,
    )  # fmt: skip
    return dataclasses.replace(base, **kw)


SECURE_HEADERS = {
    "Content-Type": "text/html",
    "Content-Encoding": "br",
    "Strict-Transport-Security": "max-age=31536000",
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'self'",
    "X-Content-Type-Options": "nosniff",
}


def asset(kind: str, url: str, image: ImageRef | None = None, **kw: Any) -> Asset:
    pixels = kw.pop("pixels", None)
    decoded = kw.pop("decoded_bytes", 1000)
    return Asset(kind, fetched(url, **kw), decoded, image, pixels)


def web(**kw: Any) -> WebFacts:
    base = WebFacts(
        url="https://shop.test/", final_url="https://shop.test/", hops=[],
        page=fetched(headers=SECURE_HEADERS), html_bytes=5000, refs=PageRefs(), assets=[],
        skipped_assets=0, alpn="h2", tls_error=None, origins={}, load_seconds=0.5,
    )  # fmt: skip
    return dataclasses.replace(base, **kw)
