"""The tcp probe against small servers on 127.0.0.1: echo, banner, silent, TLS."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pydantic
import pytest
import trustme

from tests.conftest import free_port
from warden.probes import ProbeDeps
from warden.probes.tcp import TcpConfig, TcpProbe
from warden.results import CheckResult, ErrorClass, Status

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    data = await reader.readline()
    writer.write(b"echo: " + data)
    await writer.drain()
    writer.close()


async def banner(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b"220 mail.test ESMTP ready\r\n")
    await writer.drain()
    writer.close()


HELD: list[asyncio.StreamWriter] = []


async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    HELD.append(writer)  # closed by the fixture, even if the client is still there
    await reader.read()


HANDLERS: dict[str, Handler] = {"echo": echo, "banner": banner, "silent": silent}


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
async def servers(ca: trustme.CA) -> AsyncIterator[dict[str, int]]:
    """Plain servers by handler name, plus ``tls-echo`` with a cert for localhost."""
    started = []
    ports = {}
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(tls)
    for name, handler in HANDLERS.items():
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        started.append(server)
        ports[name] = server.sockets[0].getsockname()[1]
    server = await asyncio.start_server(echo, "127.0.0.1", 0, ssl=tls)
    started.append(server)
    ports["tls-echo"] = server.sockets[0].getsockname()[1]
    yield ports
    while HELD:
        HELD.pop().close()
    for server in started:
        server.close()
        await server.wait_closed()


async def run(config: dict[str, Any], timeout: float = 5.0) -> CheckResult:
    probe = TcpProbe("tcp-test", TcpConfig.model_validate(config), timeout, ProbeDeps())
    return await probe.check()


@pytest.mark.parametrize(
    ("server", "extra", "status", "error", "phase"),
    [
        ("echo", {}, Status.UP, ErrorClass.NONE, "connect"),
        ("echo", {"send": "PING\n", "expect": {"contains": "echo: PING"}}, Status.UP, "", "ttfb"),
        ("echo", {"send": "PING\n", "expect": "echo: PING\n"}, Status.UP, "", "transfer"),
        ("banner", {"expect": {"regex": r"^220 "}}, Status.UP, "", "ttfb"),
        ("banner", {"expect": {"contains": "+OK"}}, Status.DOWN, ErrorClass.ASSERTION, "ttfb"),
        ("echo", {"send": "x\n", "expect": {"regex": "^nope"}}, Status.DOWN, "assertion", "ttfb"),
    ],
)
async def test_replies(
    servers: dict[str, int],
    server: str,
    extra: dict[str, Any],
    status: Status,
    error: ErrorClass,
    phase: str,
) -> None:
    result = await run({"host": "127.0.0.1", "port": servers[server], **extra})
    assert result.status is status, result.message
    assert result.error == error
    assert {"dns", "connect", phase} <= set(result.phases)
    assert all(v >= 0 for v in result.phases.values())
    assert result.monitor == "tcp-test"


async def test_refused_port() -> None:
    result = await run({"host": "127.0.0.1", "port": free_port()})
    assert result.status is Status.DOWN
    assert result.error is ErrorClass.REFUSED
    assert result.message.startswith("connect: ")


async def test_silent_server_times_out_while_waiting_for_the_reply(
    servers: dict[str, int],
) -> None:
    config = {"host": "127.0.0.1", "port": servers["silent"], "expect": "hello"}
    result = await run(config, timeout=0.3)
    assert result.status is Status.DOWN
    assert result.error is ErrorClass.TIMEOUT
    assert result.message == "timed out after 300ms during ttfb"
    assert "ttfb" in result.phases


@pytest.mark.parametrize(
    ("extra", "status", "error", "needle"),
    [
        ({"server_name": "localhost", "ca": True}, Status.UP, ErrorClass.NONE, "over TLSv1.3"),
        ({"server_name": "localhost"}, Status.DOWN, ErrorClass.TLS, "CERTIFICATE_VERIFY_FAILED"),
        ({"server_name": "other.test", "ca": True}, Status.DOWN, ErrorClass.TLS, "mismatch"),
        ({"server_name": "other.test", "verify": False}, Status.UP, ErrorClass.NONE, "TLS"),
    ],
)
async def test_tls(
    servers: dict[str, int],
    ca: trustme.CA,
    tmp_path: Path,
    extra: dict[str, Any],
    status: Status,
    error: ErrorClass,
    needle: str,
) -> None:
    config = {"host": "127.0.0.1", "port": servers["tls-echo"], "tls": True, **extra}
    if config.pop("ca", False):
        ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
        config["ca_file"] = str(tmp_path / "ca.pem")
    result = await run({**config, "send": "hi\n", "expect": "echo: hi"})
    assert result.status is status, result.message
    assert result.error is error
    assert needle in result.message
    assert "tls" in result.phases


@pytest.mark.parametrize(
    ("config", "complaint"),
    [
        ({"host": "h", "port": 0}, "greater than or equal to 1"),
        ({"host": "h", "port": 70000}, "less than or equal to 65535"),
        ({"host": "", "port": 80}, "at least 1 character"),
        ({"host": "h", "port": 80, "server_name": "x"}, "only with tls: true"),
        ({"host": "h", "port": 80, "expect": {}}, "at least one of"),
        ({"host": "h", "port": 80, "expect": {"regex": "("}}, "bad regular expression"),
        ({"host": "h", "port": 80, "colour": "red"}, "Extra inputs are not permitted"),
    ],
)
def test_config_errors(config: dict[str, Any], complaint: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=complaint):
        TcpConfig.model_validate(config)


@pytest.mark.parametrize(
    ("config", "target"),
    [
        ({"host": "db.internal", "port": 5432}, "tcp://db.internal:5432"),
        ({"host": "::1", "port": 443, "tls": True}, "tls://[::1]:443"),
    ],
)
def test_target(config: dict[str, Any], target: str) -> None:
    assert TcpConfig.model_validate(config).target() == target
