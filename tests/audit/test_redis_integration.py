"""Redis audit against private redis-server instances with problems planted by the tests."""

from __future__ import annotations

import asyncio
import shutil
import socket
from pathlib import Path

import pytest
import redis as redis_sync

from audit._servers import redis_server
from warden.audit import AuditReport, Finding, Severity, audit

pytestmark = pytest.mark.integration


def find(report: AuditReport, id_: str) -> Finding:
    for f in report.findings:
        if f.id == id_:
            return f
    raise AssertionError(f"{id_} not found; found: {sorted(report.ids())}")


async def test_near_maxmemory_with_noeviction(tmp_path: Path) -> None:
    with redis_server(tmp_path) as url:
        r = redis_sync.Redis.from_url(url)
        for i in range(3000):
            r.set(f"warden:audit:{i}", b"x" * 1000)
        used = int(r.info("memory")["used_memory"])
        r.config_set("maxmemory", str(int(used / 0.95)))
        r.config_set("maxmemory-policy", "noeviction")
        r.close()
        report = await audit("redis", url)
    near = find(report, "redis.memory_near_limit")
    assert near.severity >= Severity.HIGH
    assert "OOM" in near.why
    assert find(report, "redis.eviction_policy").severity is Severity.HIGH
    assert report.errors == []


async def test_evictions_are_reported(tmp_path: Path) -> None:
    with redis_server(tmp_path, "--maxmemory", "3mb", "--maxmemory-policy", "allkeys-lru") as url:
        r = redis_sync.Redis.from_url(url)
        for i in range(6000):
            r.set(f"k{i}", b"x" * 1000)
        r.close()
        report = await audit("redis", url)
    evicted = find(report, "redis.evictions")
    assert int(evicted.values["evicted"]) > 0


async def test_rejected_connections(tmp_path: Path) -> None:
    with redis_server(tmp_path, "--maxclients", "2") as url:
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        held = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
        try:
            held[-1].settimeout(5)
            assert b"max number of clients" in held[-1].recv(200)
        finally:
            for s in held:
                s.close()
        await asyncio.sleep(0.2)  # let the server see the closes
        report = await audit("redis", url)
    assert find(report, "redis.rejected_connections").severity is Severity.HIGH


async def test_failed_snapshot_and_keys_in_slowlog(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with redis_server(data, "--slowlog-log-slower-than", "0") as url:
        r = redis_sync.Redis.from_url(url)
        r.set("a", "1")
        shutil.rmtree(data)  # the snapshot cannot be written any more
        r.bgsave()
        for _ in range(100):
            info = r.info("persistence")
            if not info["rdb_bgsave_in_progress"] and info["rdb_last_bgsave_status"] != "ok":
                break
            await asyncio.sleep(0.05)
        r.keys("*")
        r.close()
        report = await audit("redis", url)
    assert find(report, "redis.rdb_save_failed").severity is Severity.HIGH
    keys = find(report, "redis.keys_command")
    assert "SCAN" in keys.fix


async def test_clean_cache_has_no_high_finding(tmp_path: Path) -> None:
    args = ("--maxmemory", "100mb", "--maxmemory-policy", "allkeys-lru")
    with redis_server(tmp_path, *args) as url:
        r = redis_sync.Redis.from_url(url)
        for i in range(200):
            r.set(f"k{i}", "v", ex=3600)
            r.get(f"k{i}")
        r.close()
        report = await audit("redis", url)
    assert report.at_least(Severity.HIGH) == []
    assert report.errors == []
    assert report.facts["maxmemory"] == 100 * 1024 * 1024
