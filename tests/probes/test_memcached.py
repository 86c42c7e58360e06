"""The memcached probe against real memcached servers this module starts (Debian memcached)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pydantic
import pytest
import trustme

from tests.conftest import free_port
from tests.probes._servers import memcached
from warden.probes import ProbeDeps
from warden.probes.memcached import MemcachedConfig, MemcachedProbe, stats_metrics
from warden.results import CheckResult, ErrorClass, Status

LOGIN = ("monitor", "mc-secret-42")


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with memcached() as p:
        yield p


@pytest.fixture(scope="module")
def auth_port() -> Iterator[int]:
    with memcached(login=LOGIN) as p:
        yield p


async def run(config: dict[str, Any], timeout: float = 5.0) -> CheckResult:
    probe = MemcachedProbe("mc", MemcachedConfig.model_validate(config), timeout, ProbeDeps())
    return await probe.check()


async def miss(port: int) -> None:
    """One get of a key that is not there, so the hit ratio drops below 1."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"get warden-test-missing-key\r\n")
    await writer.drain()
    assert await reader.readline() == b"END\r\n"
    writer.close()
    await writer.wait_closed()


@pytest.mark.integration
@pytest.mark.parametrize(
    ("settings", "status", "error", "needle"),
    [
        ({}, Status.UP, "", "set/get ok"),
        ({"round_trip": False}, Status.UP, "", "memcached 1."),
        ({"min_hit_ratio": 0.01}, Status.UP, "", "hit ratio"),
        ({"min_hit_ratio": 1.0}, Status.DEGRADED, "assertion", "hit ratio below 100.0%"),
        ({"key_prefix": "app:warden:"}, Status.UP, "", "set/get ok"),
    ],
)
async def test_round_trip_and_stats(
    port: int, settings: dict[str, Any], status: Status, error: str, needle: str
) -> None:
    await run({"url": f"memcached://127.0.0.1:{port}"})  # at least one hit
    await miss(port)  # and one miss
    result = await run({"url": f"memcached://127.0.0.1:{port}", **settings})
    assert result.status is status, result.message
    assert result.error == error
    assert needle in result.message
    assert {"dns", "connect", "auth", "query"} <= set(result.phases)
    assert 0 < result.metrics["hit_ratio"] < 1
    assert result.metrics["connections"] >= 1
    assert 0 <= result.metrics["memory_used_percent"] <= 100
    assert ("roundtrip_seconds" in result.metrics) == settings.get("round_trip", True)


@pytest.mark.integration
@pytest.mark.parametrize(
    ("url", "password", "status", "error", "needle"),
    [
        ("memcached://monitor@127.0.0.1:{p}", LOGIN[1], Status.UP, "", "set/get ok"),
        ("memcached://monitor:{pw}@127.0.0.1:{p}", None, Status.UP, "", "set/get ok"),
        ("memcached://monitor@127.0.0.1:{p}", "wrong", Status.DOWN, "auth", "authentication"),
        ("memcached://127.0.0.1:{p}", None, Status.DOWN, "auth", "wants a login"),
    ],
)
async def test_login(
    auth_port: int, url: str, password: str | None, status: Status, error: str, needle: str
) -> None:
    config: dict[str, Any] = {"url": url.format(p=auth_port, pw=LOGIN[1])}
    if password is not None:
        config["password"] = password
    result = await run(config)
    assert result.status is status, result.message
    assert result.error == error
    assert needle in result.message
    assert LOGIN[1] not in result.message


@pytest.mark.integration
async def test_no_credentials_are_stored_on_an_open_server(port: int) -> None:
    """A user in the URL of a server without logins: the probe never sends the pair."""
    result = await run({"url": f"memcached://monitor@127.0.0.1:{port}", "password": "pw-x"})
    assert result.status is Status.UP, result.message
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"get warden\r\n")
    await writer.drain()
    assert await reader.readline() == b"END\r\n"
    writer.close()
    await writer.wait_closed()


@pytest.mark.integration
@pytest.mark.parametrize(("trusted", "error"), [(True, ""), (False, "tls")])
async def test_tls(tmp_path: Path, trusted: bool, error: str) -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    pems = (cert.cert_chain_pems[0].bytes().decode(), cert.private_key_pem.bytes().decode())
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    with memcached(tls=pems) as tls_port:
        config: dict[str, Any] = {"url": f"memcached://127.0.0.1:{tls_port}", "tls": True}
        if trusted:
            config["ca_file"] = str(tmp_path / "ca.pem")
        result = await run(config)
    assert result.error == error, result.message
    assert ("tls" in result.phases) is True


async def test_refused() -> None:
    result = await run({"url": f"memcached://127.0.0.1:{free_port()}"})
    assert result.status is Status.DOWN
    assert result.error is ErrorClass.REFUSED


async def test_silent_server_times_out(silent_port: int) -> None:
    result = await run({"url": f"memcached://127.0.0.1:{silent_port}"}, timeout=0.5)
    assert result.error is ErrorClass.TIMEOUT
    assert "during auth" in result.message


@pytest.mark.parametrize(
    ("stats", "metrics"),
    [
        ({}, {}),
        ({"get_hits": "3", "get_misses": "1"}, {"hit_ratio": 0.75}),
        ({"get_hits": "0", "get_misses": "0"}, {}),
        ({"curr_connections": "10", "max_connections": "1024"}, {"connections": 10.0}),
        ({"bytes": "50", "limit_maxbytes": "200", "evictions": "7"}, {"evictions": 7.0}),
    ],
)
def test_stats_metrics(stats: dict[str, str], metrics: dict[str, float]) -> None:
    got = stats_metrics(stats)
    assert metrics.items() <= got.items()
    if "bytes" in stats:
        assert got["memory_used_percent"] == 25.0


@pytest.mark.parametrize(
    ("config", "complaint"),
    [
        ({"url": "redis://h:6379"}, "URL scheme must be one of memcached"),
        ({"url": "memcached://h", "password": "x"}, "needs a user name"),
        ({"url": "memcached://h", "key_prefix": "has space"}, "printable ASCII"),
        ({"url": "memcached://h", "ca_file": "/x"}, "only with tls"),
        ({"url": "memcached://h", "min_hit_ratio": 2}, "less than or equal to 1"),
    ],
)
def test_config_errors(config: dict[str, Any], complaint: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=complaint):
        MemcachedConfig.model_validate(config)


def test_target_hides_the_password() -> None:
    cfg = MemcachedConfig.model_validate({"url": "memcached://u:secret@h:11211"})
    assert cfg.target() == "memcached://u:***@h:11211"
