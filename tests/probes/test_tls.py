"""The tls probe against asyncio TLS servers on 127.0.0.1 with trustme certificates."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pydantic
import pytest
import trustme

from tests.conftest import free_port
from warden.engine.clock import FakeClock, SystemClock
from warden.probes import ProbeDeps
from warden.probes.tls import TlsConfig, TlsProbe
from warden.results import CheckResult, ErrorClass, Status

NOW = dt.datetime.now(dt.UTC)
Serve = Callable[..., Awaitable[int]]


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


async def _hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.close()


@pytest.fixture
async def serve(ca: trustme.CA) -> AsyncIterator[Serve]:
    """``await serve(days=90, ...)`` starts a TLS server for ``localhost`` and returns its port."""
    servers: list[asyncio.Server] = []

    async def start(
        days: float = 90,
        expired: bool = False,
        max_version: ssl.TLSVersion | None = None,
        key_type: trustme.KeyType = trustme.KeyType.ECDSA,
    ) -> int:
        not_before = NOW - dt.timedelta(days=30 if expired else 1)
        not_after = NOW - dt.timedelta(days=1) if expired else NOW + dt.timedelta(days=days)
        leaf = ca.issue_cert(
            "localhost", not_before=not_before, not_after=not_after, key_type=key_type
        )
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        if max_version is not None:
            ctx.maximum_version = max_version
        leaf.configure_cert(ctx)
        server = await asyncio.start_server(_hang_up, "127.0.0.1", 0, ssl=ctx)
        servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


async def run(config: dict[str, Any], clock: Any = None) -> CheckResult:
    deps = ProbeDeps(clock=clock or SystemClock())
    probe = TlsProbe("tls-test", TlsConfig.model_validate(config), 5.0, deps)
    return await probe.check()


UP, DEGRADED, DOWN = Status.UP, Status.DEGRADED, Status.DOWN


@pytest.mark.parametrize(
    ("server", "config", "status", "needle"),
    [
        ({}, {}, UP, "TLSv1.3"),
        ({"days": 10}, {}, DEGRADED, "expires in 10.0 days (warning below 21)"),
        ({"days": 10}, {"warn_days": 5, "critical_days": 2}, UP, "(10 days)"),
        ({"days": 3}, {}, DOWN, "expires in 3.0 days (critical below 7)"),
        ({"expired": True}, {}, DOWN, "certificate expired on"),
        ({"expired": True}, {"verify": False}, DOWN, "certificate expired on"),
        (
            {},
            {"server_name": "other.test"},
            DOWN,
            "does not match other.test (valid for localhost)",
        ),
        ({}, {"server_name": "other.test", "check_hostname": False}, UP, "TLSv1.3"),
        ({}, {"ca_file": None}, DOWN, "certificate not trusted: unable to get local issuer"),
        ({}, {"ca_file": None, "verify": False}, UP, "TLSv1.3"),
        (
            {"max_version": ssl.TLSVersion.TLSv1_2},
            {"min_version": "1.3"},
            DOWN,
            "below the minimum",
        ),
        ({"max_version": ssl.TLSVersion.TLSv1_2}, {"min_version": "1.2"}, UP, "TLSv1.2"),
        ({"key_type": trustme.KeyType.RSA}, {}, UP, "RSA-2048"),
    ],
)
async def test_certificates(
    serve: Serve,
    ca_file: str,
    server: dict[str, Any],
    config: dict[str, Any],
    status: Status,
    needle: str,
) -> None:
    port = await serve(**server)
    base = {"host": "127.0.0.1", "port": port, "server_name": "localhost", "ca_file": ca_file}
    result = await run({**base, **config})
    assert result.status is status, result.message
    assert result.error == (ErrorClass.NONE if status is UP else ErrorClass.TLS)
    assert needle in result.message
    assert {"dns", "connect", "tls"} <= set(result.phases)
    assert set(result.metrics) == {
        "cert_days_left",
        "tls_version",
        "tls_key_bits",
        "tls_cipher_bits",
    }


async def test_metrics(serve: Serve, ca_file: str) -> None:
    port = await serve(days=90)
    config = {"host": "127.0.0.1", "port": port, "server_name": "localhost", "ca_file": ca_file}
    result = await run(config)
    assert 89 < result.metrics["cert_days_left"] <= 90
    assert result.metrics["tls_version"] == 1.3
    assert result.metrics["tls_key_bits"] == 256  # trustme's default ECDSA P-256
    assert result.metrics["tls_cipher_bits"] >= 128


async def test_days_left_count_from_the_injected_clock(serve: Serve, ca_file: str) -> None:
    port = await serve(days=90)
    clock = FakeClock(start=(NOW + dt.timedelta(days=85)).timestamp())
    config = {"host": "127.0.0.1", "port": port, "server_name": "localhost", "ca_file": ca_file}
    result = await run(config, clock)
    assert result.status is Status.DOWN
    assert result.error is ErrorClass.TLS
    assert 4 < result.metrics["cert_days_left"] <= 5
    assert result.time == clock.time()


async def test_refused() -> None:
    result = await run({"host": "127.0.0.1", "port": free_port()})
    assert result.status is Status.DOWN
    assert result.error is ErrorClass.REFUSED


async def test_plain_tcp_server_is_a_tls_error() -> None:
    async def hello(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.0 400 Bad Request\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(hello, "127.0.0.1", 0)
    try:
        result = await run({"host": "127.0.0.1", "port": server.sockets[0].getsockname()[1]})
    finally:
        server.close()
        await server.wait_closed()
    assert result.status is Status.DOWN
    assert result.error is ErrorClass.TLS, result.message


@pytest.mark.parametrize(
    ("config", "complaint"),
    [
        ({"host": "h", "warn_days": 3, "critical_days": 7}, "must not be greater than warn_days"),
        ({"host": "h", "min_version": "1.4"}, "Input should be"),
        ({"host": "h", "port": 0}, "greater than or equal to 1"),
    ],
)
def test_config_errors(config: dict[str, Any], complaint: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=complaint):
        TlsConfig.model_validate(config)


def test_target() -> None:
    config = TlsConfig.model_validate({"host": "10.0.0.1", "server_name": "api.test"})
    assert config.target() == "tls://10.0.0.1:443 (api.test)"
