"""Tests of the ``http`` probe against real loopback servers that can misbehave on purpose."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gzip
import json
import socket
import ssl
import struct
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import brotli
import pytest
import trustme
from pydantic import ValidationError

from tests.conftest import free_port
from warden import __version__
from warden.probes import ProbeDeps
from warden.probes._http_client import decode_body
from warden.probes._http_config import HttpConfig
from warden.probes._http_expect import MISSING, allowed_statuses, check_json, lookup
from warden.probes._http_request import parse_target
from warden.probes.http import HttpProbe
from warden.results import PHASES, CheckResult, ErrorClass, Status

JSON_DOC = {
    "status": "ok",
    "items": [{"id": 1}, {"id": 2}],
    "flag": True,
    "n": 1.0,
    "name": "warden probe",
    "nothing": None,
    "full name": {"x": [10, 20]},
}
BIG = 3 * 1024 * 1024

# --- a raw HTTP/1.1 server that does what each path says ---------------------------------


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Writer = asyncio.StreamWriter
Handler = Callable[[Request, Writer, "Server"], Awaitable[None]]


def response(status: str, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    head = [f"HTTP/1.1 {status}"]
    all_headers = {"Content-Length": str(len(body)), **(headers or {})}
    head += [f"{k}: {v}" for k, v in all_headers.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def fixed(status: str, body: bytes = b"", **headers: str) -> Handler:
    async def handle(req: Request, w: Writer, srv: Server) -> None:
        data = response(status, body, {k.replace("_", "-"): v for k, v in headers.items()})
        w.write(data if req.method != "HEAD" else data.split(b"\r\n\r\n")[0] + b"\r\n\r\n")

    return handle


def redirect(status: str, location: Callable[[Server], str]) -> Handler:
    async def handle(req: Request, w: Writer, srv: Server) -> None:
        w.write(response(status, b"", {"Location": location(srv)}))

    return handle


async def chunked(req: Request, w: Writer, srv: Server) -> None:
    w.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    for part in (b"hello ", b"chunked ", b"world"):
        w.write(b"%x\r\n%s\r\n" % (len(part), part))
        await w.drain()
    w.write(b"0\r\n\r\n")


async def close_delimited(req: Request, w: Writer, srv: Server) -> None:
    w.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end")


async def early_hints(req: Request, w: Writer, srv: Server) -> None:
    w.write(b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n")
    w.write(response("200 OK", b"after hints"))


async def echo(req: Request, w: Writer, srv: Server) -> None:
    w.write(
        response("200 OK", json.dumps({"method": req.method, "body": req.body.decode()}).encode())
    )


async def slow_headers(req: Request, w: Writer, srv: Server) -> None:
    await asyncio.sleep(30)


async def slow_body(req: Request, w: Writer, srv: Server) -> None:
    w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart")
    await w.drain()
    await asyncio.sleep(30)


async def truncated(req: Request, w: Writer, srv: Server) -> None:
    w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b")


async def eof(req: Request, w: Writer, srv: Server) -> None:
    return  # closes without a byte


async def rst(req: Request, w: Writer, srv: Server) -> None:
    sock = w.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    w.transport.abort()


async def big(req: Request, w: Writer, srv: Server) -> None:
    w.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % BIG)
    chunk = b"x" * 65536
    for _ in range(BIG // len(chunk)):
        w.write(chunk)
        await w.drain()


def self_url(path: str) -> Callable[[Server], str]:
    return lambda srv: srv.url(path)


HANDLERS: dict[str, Handler] = {
    "/ok": fixed("200 OK", b"hello world", Content_Type="text/plain", X_Cache="HIT"),
    "/500": fixed("500 Internal Server Error", b"boom"),
    "/404": fixed("404 Not Found", b"nope"),
    "/204": fixed("204 No Content"),
    "/json": fixed("200 OK", json.dumps(JSON_DOC).encode(), Content_Type="application/json"),
    "/gzip": fixed("200 OK", gzip.compress(b"zipped hello"), Content_Encoding="gzip"),
    "/deflate": fixed("200 OK", zlib.compress(b"deflated hello"), Content_Encoding="deflate"),
    "/br": fixed("200 OK", brotli.compress(b"brotli hello"), Content_Encoding="br"),
    "/bad-gzip": fixed("200 OK", b"not gzip at all", Content_Encoding="gzip"),
    "/garbage": lambda req, w, srv: _write(w, b"SSH-2.0-OpenSSH\r\n\r\n"),
    "/chunked": chunked,
    "/close": close_delimited,
    "/early-hints": early_hints,
    "/echo": echo,
    "/slow-headers": slow_headers,
    "/slow-body": slow_body,
    "/truncated": truncated,
    "/eof": eof,
    "/rst": rst,
    "/big": big,
    "/r3": redirect("302 Found", self_url("/r2")),
    "/r2": redirect("301 Moved Permanently", lambda srv: "/r1"),  # relative
    "/r1": redirect("307 Temporary Redirect", lambda srv: "ok"),  # relative to the path
    "/loop": redirect("302 Found", lambda srv: "/loop"),
    "/see-other": redirect("303 See Other", lambda srv: "/echo"),
    "/keep-method": redirect("308 Permanent Redirect", lambda srv: "/echo"),
    "/to-localhost": redirect("302 Found", lambda srv: f"{srv.scheme}://localhost:{srv.port}/echo"),
    "/to-ftp": redirect("302 Found", lambda srv: "ftp://example.invalid/"),
}


async def _write(w: Writer, data: bytes) -> None:
    w.write(data)


@dataclass
class Server:
    scheme: str
    port: int = 0
    requests: list[Request] = field(default_factory=list)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    async def handle(self, reader: asyncio.StreamReader, writer: Writer) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, path, _ = lines[0].split(" ", 2)
            headers = dict(line.split(": ", 1) for line in lines[1:] if line)
            length = int(headers.get("Content-Length", "0"))
            body = await reader.readexactly(length) if length else b""
            req = Request(method, path, headers, body)
            self.requests.append(req)
            await HANDLERS[path.split("?")[0]](req, writer, self)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass


@contextlib.asynccontextmanager
async def serve(
    handler: Callable[[asyncio.StreamReader, Writer], Awaitable[None]],
    tls: ssl.SSLContext | None = None,
    host: str = "127.0.0.1",
) -> AsyncIterator[int]:
    """Serve on <host>:<free port>; on exit, cancel and finish every connection handler."""
    tasks: set[asyncio.Task[Any]] = set()

    async def tracked(reader: asyncio.StreamReader, writer: Writer) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        try:
            await handler(reader, writer)
        finally:
            writer.close()

    server = await asyncio.start_server(tracked, host, 0, ssl=tls)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()


@pytest.fixture
async def http_server() -> AsyncIterator[Server]:
    srv = Server("http")
    async with serve(srv.handle) as srv.port:
        yield srv


@dataclass
class Pki:
    ca_file: Path
    server_context: ssl.SSLContext


CERT_DAYS = 30


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    ca = trustme.CA()
    not_after = dt.datetime.now(dt.UTC) + dt.timedelta(days=CERT_DAYS)
    cert = ca.issue_cert("localhost", not_after=not_after)  # no IP SAN: 127.0.0.1 mismatches
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    ca_file = tmp_path_factory.mktemp("pki") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return Pki(ca_file, ctx)


@pytest.fixture
async def https_server(pki: Pki) -> AsyncIterator[Server]:
    srv = Server("https")
    async with serve(srv.handle, pki.server_context) as srv.port:
        yield srv


def probe(timeout: float = 5.0, **config: Any) -> HttpProbe:
    return HttpProbe("web", HttpConfig.model_validate(config), timeout, ProbeDeps())


def assert_phases(result: CheckResult, expected: set[str]) -> None:
    assert set(result.phases) == expected
    assert all(v >= 0 for v in result.phases.values())
    assert set(result.phases) <= set(PHASES)


# --- checks over plain HTTP --------------------------------------------------------------

UP, DOWN, DEGRADED, E = Status.UP, Status.DOWN, Status.DEGRADED, ErrorClass

CASES: list[tuple[str, str, dict[str, Any], Status, ErrorClass, str]] = [
    ("ok", "/ok", {}, UP, E.NONE, "200 OK"),
    ("head", "/ok", {"method": "HEAD"}, UP, E.NONE, "200 OK"),
    ("no-content", "/204", {}, UP, E.NONE, "204"),
    ("status 500", "/500", {}, DOWN, E.HTTP_STATUS, "status 500"),
    ("404 allowed", "/404", {"expect": {"status": [404]}}, UP, E.NONE, "404"),
    ("2xx rejects 404", "/404", {"expect": {"status": "2xx"}}, DOWN, E.HTTP_STATUS, "not in 2xx"),
    ("chunked", "/chunked", {"expect": {"body_contains": "chunked world"}}, UP, E.NONE, ""),
    ("close-delimited", "/close", {"expect": {"body_regex": "until the e.d$"}}, UP, E.NONE, ""),
    ("1xx skipped", "/early-hints", {"expect": {"body_contains": "after hints"}}, UP, E.NONE, ""),
    ("gzip", "/gzip", {"expect": {"body_contains": "zipped hello"}}, UP, E.NONE, ""),
    ("deflate", "/deflate", {"expect": {"body_contains": "deflated hello"}}, UP, E.NONE, ""),
    ("br", "/br", {"expect": {"body_contains": "brotli hello"}}, UP, E.NONE, ""),
    (
        "bad gzip",
        "/bad-gzip",
        {"expect": {"body_contains": "x"}},
        DOWN,
        E.PROTOCOL,
        "cannot decode gzip",
    ),
    ("bad gzip unread", "/bad-gzip", {}, UP, E.NONE, ""),
    ("not http", "/garbage", {}, DOWN, E.PROTOCOL, "invalid HTTP response"),
    ("eof before headers", "/eof", {}, DOWN, E.RESET, "before the end of the"),
    ("reset", "/rst", {}, DOWN, E.RESET, ""),
    ("truncated body", "/truncated", {}, DOWN, E.RESET, "end of the body"),
    (
        "body contains: fails",
        "/ok",
        {"expect": {"body_contains": ["hello", "bye"]}},
        DOWN,
        E.ASSERTION,
        "body does not contain 'bye'",
    ),
    (
        "body regex: fails",
        "/ok",
        {"expect": {"body_regex": "^world"}},
        DOWN,
        E.ASSERTION,
        "does not match /^world/",
    ),
    ("header: passes", "/ok", {"expect": {"headers": {"X-Cache": "^HIT$"}}}, UP, E.NONE, ""),
    (
        "header: fails",
        "/ok",
        {"expect": {"headers": {"content-type": "json"}}},
        DOWN,
        E.ASSERTION,
        "header content-type (value redacted) does not match /json/",
    ),
    (
        "header: missing",
        "/ok",
        {"expect": {"headers": {"etag": "."}}},
        DOWN,
        E.ASSERTION,
        "header etag is missing",
    ),
    (
        "json: all pass",
        "/json",
        {
            "expect": {
                "json": [
                    {"path": "$.status", "equals": "ok"},
                    {"path": "$.items[1].id", "equals": 2},
                    {"path": "$.items[-1]", "equals": {"id": 2}},
                    {"path": "$.flag", "equals": True},
                    {"path": "$.n", "equals": 1},
                    {"path": "$.nothing", "equals": None},
                    {"path": "$.name", "contains": "probe"},
                    {"path": "$['full name'].x", "contains": 20},
                    {"path": "$.items[0]", "contains": "id"},
                    {"path": "$.missing", "exists": False},
                    {"path": "$.nothing", "exists": True},
                ]
            }
        },
        UP,
        E.NONE,
        "",
    ),
    (
        "json: equals fails",
        "/json",
        {"expect": {"json": [{"path": "$.status", "equals": "down"}]}},
        DOWN,
        E.ASSERTION,
        '$.status is "ok", expected "down"',
    ),
    (
        "json: bool is not 1",
        "/json",
        {"expect": {"json": [{"path": "$.flag", "equals": 1}]}},
        DOWN,
        E.ASSERTION,
        "$.flag is true, expected 1",
    ),
    (
        "json: exists fails",
        "/json",
        {"expect": {"json": [{"path": "$.items[5]", "exists": True}]}},
        DOWN,
        E.ASSERTION,
        "$.items[5] is missing",
    ),
    (
        "json: contains fails",
        "/json",
        {"expect": {"json": [{"path": "$.items", "contains": 3}]}},
        DOWN,
        E.ASSERTION,
        "expected it to contain 3",
    ),
    (
        "json: not json",
        "/ok",
        {"expect": {"json": [{"path": "$", "exists": True}]}},
        DOWN,
        E.ASSERTION,
        "body is not JSON",
    ),
    ("max latency holds", "/ok", {"expect": {"max_latency": "1h"}}, UP, E.NONE, ""),
    (
        "max latency exceeded",
        "/ok",
        {"expect": {"max_latency": 0}},
        DEGRADED,
        E.ASSERTION,
        "over max_latency",
    ),
    (
        "status beats latency",
        "/500",
        {"expect": {"max_latency": 0}},
        DOWN,
        E.HTTP_STATUS,
        "status 500",
    ),
    ("redirect chain", "/r3", {}, UP, E.NONE, "200 OK"),
    ("redirect not followed", "/r3", {"follow_redirects": False}, UP, E.NONE, "302"),
    (
        "redirect not followed, 3xx refused",
        "/r3",
        {"follow_redirects": False, "expect": {"status": "2xx"}},
        DOWN,
        E.HTTP_STATUS,
        "302",
    ),
    (
        "redirect limit",
        "/r3",
        {"max_redirects": 2},
        DOWN,
        E.HTTP_STATUS,
        "too many redirects (more than 2)",
    ),
    ("redirect loop", "/loop", {}, DOWN, E.HTTP_STATUS, "too many redirects"),
    ("redirect to ftp", "/to-ftp", {}, DOWN, E.PROTOCOL, "must be an http"),
]


@pytest.mark.parametrize(
    ("path", "config", "status", "error", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
async def test_http_check(
    http_server: Server,
    path: str,
    config: dict[str, Any],
    status: Status,
    error: ErrorClass,
    message: str,
) -> None:
    result = await probe(url=http_server.url(path), **config).check()
    assert (result.status, result.error) == (status, error), result.message
    assert message in result.message
    assert result.monitor == "web"
    assert result.latency >= 0
    if error in (ErrorClass.NONE, ErrorClass.HTTP_STATUS, ErrorClass.ASSERTION):
        assert_phases(result, {"connect", "ttfb", "transfer"})  # an IP literal: no dns
        assert result.metrics["http_status"] >= 200


async def test_redirects_are_counted_and_phases_summed(http_server: Server) -> None:
    result = await probe(url=http_server.url("/r3")).check()
    assert result.metrics["redirects"] == 3
    assert result.metrics["http_status"] == 200
    assert [r.path for r in http_server.requests] == ["/r3", "/r2", "/r1", "/ok"]
    assert sum(result.phases.values()) <= result.latency + 1e-6


async def test_request_bytes(http_server: Server) -> None:
    result = await probe(
        url=http_server.url("/echo") + "?q=a b",
        method="post",
        json={"a": [1, "é"]},
        headers={"X-Api-Key": "s3cr3t-key"},
        auth={"username": "user", "password": "pass"},
    ).check()
    assert result.status is Status.UP, result.message
    req = http_server.requests[0]
    assert (req.method, req.path) == ("POST", "/echo?q=a%20b")
    assert json.loads(req.body) == {"a": [1, "é"]}
    assert req.headers["Host"] == f"127.0.0.1:{http_server.port}"
    assert req.headers["User-Agent"] == f"Warden/{__version__}"
    assert req.headers["Content-Type"] == "application/json"
    assert req.headers["Authorization"] == "Basic dXNlcjpwYXNz"
    assert req.headers["X-Api-Key"] == "s3cr3t-key"
    assert req.headers["Connection"] == "close"
    assert req.headers["Content-Length"] == str(len(req.body))


@pytest.mark.parametrize(
    ("path", "method", "second_method", "second_body"),
    [
        ("/see-other", "POST", "GET", b""),
        ("/keep-method", "POST", "POST", b"payload"),
        ("/see-other", "HEAD", "HEAD", b""),
    ],
)
async def test_redirect_method(
    http_server: Server, path: str, method: str, second_method: str, second_body: bytes
) -> None:
    body: dict[str, Any] = {"body": "payload"} if method == "POST" else {}
    result = await probe(url=http_server.url(path), method=method, **body).check()
    assert result.status is Status.UP, result.message
    second = http_server.requests[1]
    assert (second.method, second.body) == (second_method, second_body)


async def test_credentials_dropped_on_other_origin(http_server: Server) -> None:
    result = await probe(
        url=http_server.url("/to-localhost"),
        auth={"username": "u", "password": "p"},
        headers={"X-Trace": "1"},
    ).check()
    assert result.status is Status.UP, result.message
    first, second = http_server.requests
    assert "Authorization" in first.headers
    assert "Authorization" not in second.headers
    assert second.headers["X-Trace"] == "1"
    assert second.headers["Host"] == f"localhost:{http_server.port}"
    assert "dns" in result.phases  # the second hop resolved a name


async def test_body_cap_counts_everything(http_server: Server) -> None:
    result = await probe(
        url=http_server.url("/big"), max_body="64KiB", expect={"body_contains": "y"}
    ).check()
    assert result.metrics["body_bytes"] == BIG
    assert result.error is ErrorClass.ASSERTION
    assert "body cut at 65536 bytes" in result.message


@pytest.mark.parametrize(
    ("path", "done", "phase"),
    [
        ("/slow-headers", {"connect"}, "ttfb"),
        ("/slow-body", {"connect", "ttfb"}, "transfer"),
    ],
)
async def test_timeout_reports_phases_so_far(
    http_server: Server, path: str, done: set[str], phase: str
) -> None:
    result = await probe(timeout=0.3, url=http_server.url(path)).check()
    assert (result.status, result.error) == (Status.DOWN, ErrorClass.TIMEOUT)
    assert result.message == f"timed out after 300ms during {phase}"
    assert_phases(result, done)


async def test_timeout_during_tls() -> None:
    async def silent(reader: asyncio.StreamReader, writer: Writer) -> None:
        await reader.read(65536)  # the ClientHello, never answered
        await asyncio.sleep(30)

    async with serve(silent) as port:
        result = await probe(timeout=0.3, url=f"https://127.0.0.1:{port}/").check()
    assert (result.error, result.message) == (
        ErrorClass.TIMEOUT,
        "timed out after 300ms during tls",
    )
    assert_phases(result, {"connect"})


async def test_refused() -> None:
    port = free_port()
    result = await probe(url=f"http://127.0.0.1:{port}/").check()
    assert (result.status, result.error) == (Status.DOWN, ErrorClass.REFUSED)
    assert result.message == f"connection refused by 127.0.0.1:{port}"
    assert result.phases == {}  # connect never completed


def has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not has_ipv6_loopback(), reason="no IPv6 loopback here")
async def test_ipv6_literal() -> None:
    srv = Server("http")
    async with serve(srv.handle, host="::1") as srv.port:
        result = await probe(url=f"http://[::1]:{srv.port}/ok").check()
    assert result.status is Status.UP, result.message
    assert srv.requests[0].headers["Host"] == f"[::1]:{srv.port}"
    assert_phases(result, {"connect", "ttfb", "transfer"})


async def test_refused_ipv6_literal() -> None:
    port = free_port()
    result = await probe(url=f"http://[::1]:{port}/").check()
    assert result.error in (ErrorClass.REFUSED, ErrorClass.ERROR)  # ERROR: no IPv6 here
    assert f"[::1]:{port}" in result.message


async def test_dns_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    # /etc/resolv.conf may point off-host: never let the name reach a real resolver.
    async def no_such_name(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", no_such_name)
    result = await probe(url="http://warden-test.invalid/").check()
    assert (result.status, result.error) == (Status.DOWN, ErrorClass.DNS)
    assert result.message == "cannot resolve warden-test.invalid: Name or service not known"


async def test_name_resolution_phase(http_server: Server) -> None:
    result = await probe(url=http_server.url("/ok", host="localhost")).check()
    assert result.status is Status.UP, result.message
    assert_phases(result, {"dns", "connect", "ttfb", "transfer"})


async def test_secrets_never_show(http_server: Server) -> None:
    config = HttpConfig.model_validate(
        {
            "url": http_server.url("/500"),
            "headers": {"Authorization": "Bearer TOPSECRET"},
        }
    )
    result = await HttpProbe("web", config, 5.0, ProbeDeps()).check()
    assert result.error is ErrorClass.HTTP_STATUS
    for text in (result.message, repr(config), config.model_dump_json(), str(result)):
        assert "TOPSECRET" not in text


# --- HTTPS -------------------------------------------------------------------------------

TLS_CASES: list[tuple[str, str, dict[str, Any], Status, ErrorClass, str]] = [
    ("trusted", "localhost", {"ca": True}, UP, E.NONE, "200 OK"),
    ("untrusted CA", "localhost", {}, DOWN, E.TLS, "certificate verify failed"),
    ("verify off", "localhost", {"verify": False}, UP, E.NONE, "200 OK"),
    ("host mismatch", "127.0.0.1", {"ca": True}, DOWN, E.TLS, "mismatch"),
    ("mismatch, verify off", "127.0.0.1", {"verify": False}, UP, E.NONE, ""),
]


@pytest.mark.parametrize(
    ("host", "config", "status", "error", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in TLS_CASES],
)
async def test_https_check(
    https_server: Server,
    pki: Pki,
    host: str,
    config: dict[str, Any],
    status: Status,
    error: ErrorClass,
    message: str,
) -> None:
    if config.pop("ca", False):
        config["ca_file"] = str(pki.ca_file)
    result = await probe(url=https_server.url("/ok", host=host), **config).check()
    assert (result.status, result.error) == (status, error), result.message
    assert message in result.message
    dns = {"dns"} if host == "localhost" else set()
    if status is Status.UP:
        assert_phases(result, dns | {"connect", "tls", "ttfb", "transfer"})
        assert CERT_DAYS - 1 < result.metrics["cert_days_left"] <= CERT_DAYS
    else:
        assert_phases(result, dns | {"connect"})


async def test_https_redirect_to_plain_http(https_server: Server, pki: Pki) -> None:
    result = await probe(
        url=https_server.url("/to-localhost", host="localhost"),
        ca_file=str(pki.ca_file),
    ).check()
    assert result.status is Status.UP, result.message
    assert result.metrics["redirects"] == 1
    assert "cert_days_left" in result.metrics


async def test_plain_http_to_tls_port_is_a_protocol_error(https_server: Server) -> None:
    result = await probe(url=https_server.url("/ok").replace("https", "http")).check()
    assert result.status is Status.DOWN
    assert result.error in (ErrorClass.PROTOCOL, ErrorClass.RESET)


def test_under_uvloop(pki: Pki) -> None:
    """The engine may run on uvloop: its transports must give the same phases and metrics."""
    import uvloop

    async def scenario() -> list[CheckResult]:
        plain, tls = Server("http"), Server("https")
        async with (
            serve(plain.handle) as plain.port,
            serve(tls.handle, pki.server_context) as tls.port,
        ):
            ca: dict[str, Any] = {"ca_file": str(pki.ca_file)}
            return [
                await probe(url=plain.url("/chunked"), expect={"body_contains": "world"}).check(),
                await probe(url=tls.url("/gzip", host="localhost"), **ca).check(),
                await probe(url=tls.url("/ok", host="localhost"), verify=False).check(),
                await probe(url=tls.url("/ok"), **ca).check(),
                await probe(timeout=0.3, url=tls.url("/slow-body", host="localhost"), **ca).check(),
                await probe(url=f"http://127.0.0.1:{free_port()}/").check(),
            ]

    chunked, trusted, unverified, mismatch, slow, refused = uvloop.run(scenario())
    assert chunked.status is Status.UP, chunked.message
    assert_phases(chunked, {"connect", "ttfb", "transfer"})
    for result in (trusted, unverified):
        assert result.status is Status.UP, result.message
        assert_phases(result, {"dns", "connect", "tls", "ttfb", "transfer"})
        assert CERT_DAYS - 1 < result.metrics["cert_days_left"] <= CERT_DAYS
    assert (mismatch.error, slow.error, refused.error) == (E.TLS, E.TIMEOUT, E.REFUSED)
    assert slow.message == "timed out after 300ms during transfer"
    assert_phases(slow, {"dns", "connect", "tls", "ttfb"})


# --- config ------------------------------------------------------------------------------

BAD_CONFIGS: list[tuple[str, dict[str, Any], str]] = [
    ("scheme", {"url": "ftp://x.test/"}, "must be an http:// or https:// URL"),
    ("credentials", {"url": "http://u:p@x.test/"}, "must not contain credentials"),
    ("no host", {"url": "http:///path"}, "has no host"),
    ("bad port", {"url": "http://x.test:99999/"}, "not a valid URL"),
    ("status word", {"expect": {"status": "ok"}}, "must be a status code or range"),
    ("status 600", {"expect": {"status": [200, 600]}}, "must be a status code or range"),
    ("status reversed", {"expect": {"status": "299-200"}}, "must be a status code or range"),
    ("status bool", {"expect": {"status": True}}, "must be a status code or range"),
    ("status empty", {"expect": {"status": []}}, "must be a status code or range"),
    ("bad regex", {"expect": {"body_regex": "(unclosed"}}, "not a valid regular expression"),
    ("bad header regex", {"expect": {"headers": {"x": "["}}}, "not a valid regular expression"),
    ("json path", {"expect": {"json": [{"path": "a.b", "exists": True}]}}, "must start with $"),
    ("json step", {"expect": {"json": [{"path": "$.a[x]", "exists": True}]}}, "not understood"),
    (
        "json two ops",
        {"expect": {"json": [{"path": "$.a", "exists": True, "equals": 1}]}},
        "exactly one of equals, contains, exists",
    ),
    ("json no op", {"expect": {"json": [{"path": "$.a"}]}}, "exactly one of"),
    ("method", {"method": "BREW"}, "must be one of GET"),
    ("content-length", {"headers": {"Content-Length": "3"}}, "is set by Warden"),
    ("header newline", {"headers": {"X-A": "a\r\nX-B: b"}}, "line break"),
    ("header name", {"headers": {"bad name": "x"}}, "not a valid header name"),
    ("body and json", {"body": "x", "json": {"a": 1}}, "either body or json"),
    ("missing ca", {"ca_file": "/nonexistent/ca.pem"}, "is not a file"),
    (
        "auth twice",
        {"auth": {"username": "u", "password": "p"}, "headers": {"authorization": "x"}},
        "either auth or an Authorization",
    ),
    ("unknown key", {"timeout_s": 3}, "Extra inputs are not permitted"),
    ("max_body", {"max_body": 0}, "at least 1 byte"),
]


@pytest.mark.parametrize(
    ("config", "message"), [pytest.param(*c[1:], id=c[0]) for c in BAD_CONFIGS]
)
def test_bad_config(config: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=None) as info:
        HttpConfig.model_validate({"url": "http://x.test/", **config})
    assert message in str(info.value)


def test_bad_ca_file_and_verify_off(tmp_path: Path, pki: Pki) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    with pytest.raises(ValidationError, match="cannot load CA certificates"):
        HttpConfig.model_validate({"url": "https://x.test/", "ca_file": str(junk)})
    with pytest.raises(ValidationError, match="no effect with verify: false"):
        HttpConfig.model_validate(
            {"url": "https://x.test/", "ca_file": str(pki.ca_file), "verify": False}
        )


def test_config_defaults_and_secrets(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("hunter2\n")
    config = HttpConfig.model_validate(
        {"url": "https://x.test/a?token=abc", "auth": {"username": "u", "password_file": secret}}
    )
    assert config.auth is not None
    assert config.auth.password.get_secret_value() == "hunter2"
    assert config.target() == "https://x.test/a?token=***"
    assert config.expect.status == ["200-399"]
    assert (config.method, config.verify, config.follow_redirects) == ("GET", True, True)
    assert (config.max_redirects, config.max_body) == (5, 1024 * 1024)


@pytest.mark.parametrize(
    "config",
    [
        {"headers": {"X-Key": "TOPSECRET\nX-B: b"}},
        {"headers": {"X-Key": ["TOPSECRET"]}},
        {"auth": {"username": "u", "password": ["TOPSECRET"]}},
        {"auth": {"username": "u", "password": "TOPSECRET"}, "headers": {"Authorization": "x"}},
    ],
)
def test_config_errors_hide_secrets(config: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as info:
        HttpConfig.model_validate({"url": "http://x.test/", **config})
    assert "TOPSECRET" not in str(info.value)


def test_config_dump_loads_back() -> None:
    config = HttpConfig.model_validate(
        {
            "url": "http://x.test/",
            "json": {"a": 1},
            "expect": {
                "status": ["2xx", 301],
                "body_regex": "o+k",
                "headers": {"X-A": "b"},
                "json": [{"path": "$.a", "equals": None}, {"path": "$.b", "exists": False}],
                "max_latency": "500ms",
            },
        }
    )
    dumped = config.model_dump(mode="json", by_alias=True)
    assert dumped["expect"]["json"] == [
        {"path": "$.a", "equals": None},
        {"path": "$.b", "exists": False},
    ]
    assert HttpConfig.model_validate(dumped) == config


@pytest.mark.parametrize(
    ("specs", "inside", "outside"),
    [
        ([200], {200}, {201, 199}),
        (["2xx"], {200, 250, 299}, {300, 199}),
        (["200-204", 301], {200, 204, 301}, {205, 302}),
        (["5XX"], {500, 599}, {499}),
    ],
)
def test_allowed_statuses(specs: list[int | str], inside: set[int], outside: set[int]) -> None:
    allowed = allowed_statuses(tuple(specs))
    assert inside <= allowed
    assert not outside & allowed


@pytest.mark.parametrize(
    ("url", "host", "port", "authority", "path"),
    [
        ("http://Example.TEST/", "example.test", 80, "example.test", "/"),
        ("https://x.test", "x.test", 443, "x.test", "/"),
        ("https://x.test:8443/a b?q=1&r=é", "x.test", 8443, "x.test:8443", "/a%20b?q=1&r=%C3%A9"),
        ("http://[::1]:8080/p", "::1", 8080, "[::1]:8080", "/p"),
        ("http://127.0.0.1/p#frag", "127.0.0.1", 80, "127.0.0.1", "/p"),
        ("http://bücher.test/", "xn--bcher-kva.test", 80, "xn--bcher-kva.test", "/"),
    ],
)
def test_parse_target(url: str, host: str, port: int, authority: str, path: str) -> None:
    target = parse_target(url)
    assert (target.host, target.port, target.authority, target.path) == (
        host,
        port,
        authority,
        path,
    )


@pytest.mark.parametrize(
    ("doc", "steps", "value"),
    [
        (JSON_DOC, ("items", 0, "id"), 1),
        (JSON_DOC, ("items", -2, "id"), 1),
        (JSON_DOC, ("items", 2), MISSING),
        (JSON_DOC, ("status", "x"), MISSING),
        (JSON_DOC, ("nothing",), None),
        ([1, 2], (), [1, 2]),
    ],
)
def test_lookup(doc: Any, steps: tuple[str | int, ...], value: Any) -> None:
    assert lookup(doc, steps) == value if value is not MISSING else lookup(doc, steps) is MISSING


@pytest.mark.parametrize(
    ("op", "expected", "holds"),
    [
        ("equals", [{"id": 1}, {"id": 2}], True),
        ("equals", [{"id": 1}], False),
        ("contains", {"id": 2}, True),
        ("contains", {"id": True}, False),
        ("exists", True, True),
        ("exists", False, False),
    ],
)
def test_check_json(op: str, expected: Any, holds: bool) -> None:
    failure = check_json(JSON_DOC, "$.items", ("items",), op, expected)
    assert (failure is None) == holds


def test_decode_body_cap() -> None:
    data = gzip.compress(b"a" * 100_000)
    assert decode_body(data, "gzip", 1000) == b"a" * 1000
    assert decode_body(brotli.compress(b"b" * 100_000), "br", 10) == b"b" * 10
    assert decode_body(b"plain", None, 10) == b"plain"
