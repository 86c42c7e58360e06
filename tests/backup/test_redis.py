"""Redis: an RDB streamed over SYNC, restored into a private redis-server, equals the original.

The shared server is only read (and our own keys written and deleted); the restore goes to a
redis-server this test starts on a free port from the restored dump in a temporary directory.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.backup.conftest import REDIS, MakeConfig, need
from warden.backup.drill import drill_once
from warden.backup.restore import restore_once
from warden.backup.runner import backup_once
from warden.backup.sources._base import TargetNotEmptyError
from warden.backup.sources.redis import start_redis

pytestmark = pytest.mark.integration


@pytest.fixture
def prefix() -> Iterator[str]:
    """Keys of every type under a unique prefix on the shared server, deleted after."""
    p = f"warden_test_backup_{secrets.token_hex(4)}:"
    r = redis.Redis.from_url(REDIS)
    r.set(p + "str", b"\x00binary\xff" * 100)
    r.set(p + "ttl", "expires", ex=86400)
    r.hset(p + "hash", mapping={f"f{i}": str(i) for i in range(500)})
    r.rpush(p + "list", *[f"item{i}" for i in range(1000)])
    r.sadd(p + "set", *[f"m{i}" for i in range(300)])
    r.zadd(p + "zset", {f"z{i}": i / 3 for i in range(300)})
    r.xadd(p + "stream", {"k": "v"})
    yield p
    keys = list(r.scan_iter(match=p + "*"))
    if keys:
        r.delete(*keys)
    r.close()


def dump_keys(r: redis.Redis, p: str) -> dict[bytes, object]:
    out: dict[bytes, object] = {}
    for key in sorted(r.scan_iter(match=p + "*")):
        kind = r.type(key)
        value = {
            b"string": r.get,
            b"hash": r.hgetall,
            b"list": lambda k: r.lrange(k, 0, -1),
            b"set": lambda k: sorted(r.smembers(k)),
            b"zset": lambda k: r.zrange(k, 0, -1, withscores=True),
            b"stream": lambda k: [fields for _, fields in r.xrange(k)],
        }[kind](key)
        out[key] = (kind, value, r.ttl(key) > 0)
    return out


def test_round_trip_into_a_private_server_and_drill(
    prefix: str, tmp_path: Path, make_config: MakeConfig, key_env: dict[str, str]
) -> None:
    """One snapshot (each SYNC waits out the server's repl-diskless-sync-delay, 5s)."""
    need("redis-server")
    drill = {
        "queries": [
            {"name": "hash size", "query": f"HLEN {prefix}hash", "expect": "500"},
            {"name": "list tail", "query": f"LINDEX {prefix}list -1"},
            {"name": "missing", "query": f"EXISTS {prefix}nope", "expect": "0"},
        ]
    }
    cfg = make_config({"type": "redis", "url": REDIS}, name="cache", rto="10m", drill=drill)
    run = backup_once(cfg)
    assert run.ok, run.error
    dest = tmp_path / "restored"
    restore_once(cfg, str(dest))
    with pytest.raises(TargetNotEmptyError, match=r"dump\.rdb exists"):
        restore_once(cfg, str(dest))
    proc, client = start_redis(dest)
    try:
        source = redis.Redis.from_url(REDIS)
        expected = dump_keys(source, prefix)
        source.close()
        assert len(expected) == 7
        assert dump_keys(client, prefix) == expected
    finally:
        client.close()
        proc.terminate()
        proc.wait(10)

    result = drill_once(cfg)
    assert result.ok, result.error
    checks = {c.name: c for c in result.checks}
    assert checks["list tail"].restored == checks["list tail"].source == "item999"
    assert checks["hash size"].restored == "500"
    assert result.rto_met is True
