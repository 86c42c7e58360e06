"""The websocket probe against a ``websockets`` server on 127.0.0.1 (ws:// and wss://)."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from http import HTTPStatus
from typing import Any

import pydantic
import pytest
import trustme
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

from tests.conftest import free_port
from warden.probes import ProbeDeps
from warden.probes.websocket import WebsocketConfig, WebsocketProbe
from warden.results import CheckResult, ErrorClass, Status

TOKEN = "ws-token-8"


async def handler(ws: ServerConnection) -> None:
    """/echo echoes, /hello greets first, /bye closes without a word."""
    path = ws.request.path if ws.request else ""
    if path.startswith("/hello"):
        await ws.send("hello from the server")
    if path.startswith("/bye"):
        await ws.close(1008, "policy")
        return
    async for message in ws:
        await ws.send(message)


def gate(conn: ServerConnection, request: Request) -> Response | None:
    """/private needs ``X-Token``; /missing is a 404."""
    if request.path.startswith("/private") and request.headers.get("X-Token") != TOKEN:
        return conn.respond(HTTPStatus.UNAUTHORIZED, "token please\n")
    if request.path.startswith("/missing"):
        return conn.respond(HTTPStatus.NOT_FOUND, "no such socket\n")
    return None


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
async def server() -> AsyncIterator[int]:
    async with serve(handler, "127.0.0.1", 0, process_request=gate) as srv:
        yield srv.sockets[0].getsockname()[1]  # type: ignore[no-any-return]


@pytest.fixture
async def tls_server(ca: trustme.CA) -> AsyncIterator[int]:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(ctx)
    async with serve(handler, "127.0.0.1", 0, ssl=ctx) as srv:
        yield srv.sockets[0].getsockname()[1]  # type: ignore[no-any-return]


async def run(config: dict[str, Any], timeout: float = 5.0) -> CheckResult:
    cfg = WebsocketConfig.model_validate(config)
    return await WebsocketProbe("ws", cfg, timeout, ProbeDeps()).check()


@pytest.mark.integration
@pytest.mark.parametrize(
    ("path", "settings", "status", "error", "needle"),
    [
        ("/echo", {}, Status.UP, "", "connected"),
        ("/echo", {"send": "ping", "expect": "ping"}, Status.UP, "", "message: ping"),
        ("/echo", {"send": "ping", "expect": {"contains": "pong"}}, Status.DOWN, "assertion", ""),
        ("/echo", {"send": '{"ok": true}', "expect": {"regex": '"ok": true'}}, Status.UP, "", ""),
        ("/hello", {"expect": {"contains": "hello"}}, Status.UP, "", "hello from the server"),
        ("/bye", {"send": "ping"}, Status.DOWN, "reset", "1008"),
        ("/private", {}, Status.DOWN, "auth", "401"),
        ("/private", {"headers": {"X-Token": TOKEN}}, Status.UP, "", "connected"),
        ("/missing", {}, Status.DOWN, "http_status", "404"),
    ],
)
async def test_server(
    server: int, path: str, settings: dict[str, Any], status: Status, error: str, needle: str
) -> None:
    result = await run({"url": f"ws://127.0.0.1:{server}{path}", **settings})
    assert result.status is status, result.message
    assert result.error == error
    assert needle in result.message
    assert "connect" in result.phases
    assert TOKEN not in result.message
    if "send" in settings and status is Status.UP:
        assert result.metrics["message_bytes"] == len(settings["send"])


@pytest.mark.integration
@pytest.mark.parametrize(
    ("trust", "status", "error"),
    [("ca", Status.UP, ""), ("system", Status.DOWN, "tls"), ("none", Status.UP, "")],
)
async def test_wss(
    tls_server: int, ca: trustme.CA, tmp_path: Any, trust: str, status: Status, error: str
) -> None:
    config: dict[str, Any] = {"url": f"wss://127.0.0.1:{tls_server}/echo", "send": "x"}
    if trust == "ca":
        ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
        config["ca_file"] = str(tmp_path / "ca.pem")
    elif trust == "none":
        config["verify"] = False
    result = await run(config)
    assert result.status is status, result.message
    assert result.error == error


async def test_refused() -> None:
    result = await run({"url": f"ws://127.0.0.1:{free_port()}/"})
    assert result.error is ErrorClass.REFUSED, result.message


async def test_silent_server_times_out(silent_port: int) -> None:
    result = await run({"url": f"ws://127.0.0.1:{silent_port}/"}, timeout=0.5)
    assert result.error is ErrorClass.TIMEOUT
    assert "during connect" in result.message


@pytest.mark.parametrize(
    ("config", "complaint"),
    [
        ({"url": "http://h/socket"}, "ws:// or wss://"),
        ({"url": "ws://h/socket", "verify": False}, "only to wss://"),
        ({"url": "ws://h/", "expect": {}}, "give at least one of"),
    ],
)
def test_config_errors(config: dict[str, Any], complaint: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=complaint):
        WebsocketConfig.model_validate(config)


def test_target_hides_a_token_in_the_query() -> None:
    cfg = WebsocketConfig.model_validate({"url": "wss://h/live?token=abc123&room=1"})
    assert cfg.target() == "wss://h/live?token=***&room=1"
