"""``warden diagnose`` against planted causes, each with real servers: the right hypothesis
ranks first.

- a PostgreSQL query that slows down once its index is dropped;
- a slow TLS handshake at the proxy in front of an app;
- CPU contention from busy processes on the host;
- connection exhaustion: a role's connections used up by someone else.
"""

from __future__ import annotations

import asyncio
import secrets
import ssl
import statistics
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg
import pytest
import trustme
from psycopg import sql

from tests.diagnose.conftest import T0, Site
from warden.diagnose.service import diagnose

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]
PG = "postgresql://postgres@127.0.0.1:5432"


def explain(site: Site, monitor: str) -> dict[str, Any]:
    return diagnose(site.config, site.store, monitor, since=T0, until=site.now + 1)


@pytest.fixture
def database() -> Iterator[str]:
    name = f"warden_test_diag_{secrets.token_hex(4)}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            conn.execute(drop.format(sql.Identifier(name)))


async def test_a_dropped_index_slows_the_query(database: str, make_site: Any) -> None:
    from warden.audit import history
    from warden.audit.config import run_audit

    url = f"{PG}/{database}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE orders (id int, customer int, total numeric)")
        conn.execute("INSERT INTO orders SELECT g, g % 50000, g FROM generate_series(1, 400000) g")
        conn.execute("CREATE INDEX orders_customer ON orders (customer)")
        conn.execute("ANALYZE orders")
    site = make_site({
        "monitors": [{"name": "orders-query", "interval": "1m", "postgres": {
            "url": url, "query": "SELECT count(*) FROM orders WHERE customer = 4242"}}],
        "audits": [{"name": "orders-db", "kind": "postgres", "target": url}],
    })  # fmt: skip
    await site.check("orders-query", 15)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP INDEX orders_customer")
    await site.check("orders-query", 15)
    # the scheduled audit's run, kept as `warden up` keeps it: its findings join the evidence
    report = await run_audit(site.config.audits[0])
    history.save(site.store.engine, "orders-db", report.payload(), site.now)
    got = explain(site, "orders-query")
    first = got["hypotheses"][0]
    assert first["kind"] == "query", got["hypotheses"]
    assert got["onset"] == T0 + 15 * 60
    assert "dropped index" in first["cause"]
    assert first["evidence"][0].startswith("query p50 rose from")
    assert got["phases"]["query"]["last"] > got["phases"]["query"]["first"]
    assert any("audit postgres" in a for a in first["next"])
    assert [a["audit"] for a in got["audits"]] == ["orders-db"]
    if any(f.id == "pg.missing_index" for f in report.findings):  # the scans were counted
        assert "audit orders-db" in first["evidence"][1], first  # the related finding first
        assert "orders" in first["evidence"][1]
        assert any(a.startswith("audit orders-db says: ") for a in first["next"]), first


class _Backend(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "3")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(b"ok\n")

    def log_message(self, *args: object) -> None:
        pass


class TlsProxy:
    """A TLS-terminating proxy in front of a plain HTTP backend, reached through a TCP relay;
    ``slow`` holds back the proxy's first answer to every client (its ServerHello) by
    ``delay`` seconds, as an overloaded TLS terminator does."""

    def __init__(self, ctx: ssl.SSLContext, backend: int, delay: float = 0.25) -> None:
        self.ctx, self.backend, self.delay, self.slow = ctx, backend, delay, False
        self.tls_port = 0

    async def terminate(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """The TLS side (``asyncio.start_server(ssl=...)``): forward one request upstream."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            up_r, up_w = await asyncio.open_connection("127.0.0.1", self.backend)
            up_w.write(head)
            await up_w.drain()
            writer.write(await up_r.read())
            up_w.close()
            await up_w.wait_closed()
            await writer.drain()
        except (OSError, ssl.SSLError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """The front door: bytes both ways; the first bytes back are late when ``slow``."""
        up_r, up_w = await asyncio.open_connection("127.0.0.1", self.tls_port)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, late: bool) -> None:
            first = True
            try:
                while chunk := await src.read(65536):
                    if first and late:
                        await asyncio.sleep(self.delay)
                    first = False
                    dst.write(chunk)
                    await dst.drain()
            except OSError:
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_w, False), pipe(up_r, writer, self.slow))


@pytest.fixture
async def tls_proxy(tmp_path: Path) -> AsyncIterator[tuple[TlsProxy, int, Path]]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    backend = ThreadingHTTPServer(("127.0.0.1", 0), _Backend)
    thread = threading.Thread(target=backend.serve_forever, daemon=True)
    thread.start()
    proxy = TlsProxy(ctx, backend.server_address[1])
    tls = await asyncio.start_server(proxy.terminate, "127.0.0.1", 0, ssl=ctx)
    proxy.tls_port = tls.sockets[0].getsockname()[1]
    front = await asyncio.start_server(proxy.relay, "127.0.0.1", 0)
    try:
        yield proxy, front.sockets[0].getsockname()[1], ca_file
    finally:
        for server in (front, tls):
            server.close()
            await server.wait_closed()
        backend.shutdown()
        backend.server_close()
        thread.join(5)


async def test_a_slow_tls_handshake_behind_the_proxy(tls_proxy: Any, make_site: Any) -> None:
    proxy, port, ca_file = tls_proxy
    site = make_site({"monitors": [{"name": "shop", "interval": "1m", "http": {
        "url": f"https://127.0.0.1:{port}/", "ca_file": str(ca_file)}}]})  # fmt: skip
    await site.check("shop", 12)
    proxy.slow = True
    await site.check("shop", 12)
    got = explain(site, "shop")
    first = got["hypotheses"][0]
    assert first["kind"] == "tls", got["hypotheses"]
    assert "TLS handshake" in first["cause"]
    assert "tls p50 rose from" in first["evidence"][0]
    assert got["phases"]["tls"]["last"] > got["phases"]["tls"]["first"]


BUSY = "import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end: pass\n"


class _Cpu(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        total = sum(i * i for i in range(60_000))  # some real work per request
        body = f"{total}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


async def test_cpu_contention_from_busy_processes(make_site: Any) -> None:
    from warden.collectors.host import HostCollector, HostCollectorConfig
    from warden.engine.clock import SystemClock

    app = ThreadingHTTPServer(("127.0.0.1", 0), _Cpu)
    thread = threading.Thread(target=app.serve_forever, daemon=True)
    thread.start()
    host = HostCollector("host", HostCollectorConfig(), SystemClock())
    busy: list[asyncio.subprocess.Process] = []
    try:
        site = make_site({"monitors": [{"name": "api", "interval": "1m", "http": {
            "url": f"http://127.0.0.1:{app.server_address[1]}/"}}]})  # fmt: skip

        async def cpu() -> list[Any]:
            await asyncio.sleep(0.2)  # a CPU reading over a short interval, as a collector does
            return [s for s in await host.collect() if s.name == "host_cpu_percent"]

        await host.collect()
        await site.check("api", 12, samples=cpu)
        busy = [await asyncio.create_subprocess_exec(sys.executable, "-c", BUSY.format(seconds=10))
                for _ in range(4)]  # fmt: skip
        await asyncio.sleep(0.5)
        await site.check("api", 12, samples=cpu)
    finally:
        for p in busy:
            p.kill()
            await p.wait()
        app.shutdown()
        app.server_close()
        thread.join(5)
    total = {"cpu": "total"}
    stored = site.store.sample_points("host_cpu_percent", T0, T0 + 12 * 60, total)
    cpu_before = [p[1] for s in stored for p in s.points]
    if statistics.median(cpu_before) > 75:
        pytest.skip(f"the host was already busy ({statistics.median(cpu_before):.0f}% CPU "
                    "before the busy processes): contention cannot be planted")  # fmt: skip
    got = explain(site, "api")
    assert got["hypotheses"], got
    first = got["hypotheses"][0]
    assert first["kind"] == "cpu", got["hypotheses"]
    assert "host CPU" in first["evidence"][0]


async def test_connection_exhaustion(database: str, make_site: Any) -> None:
    from warden.collectors.postgres import PostgresCollector, PostgresCollectorConfig
    from warden.engine.clock import SystemClock

    role = f"warden_test_diag_{secrets.token_hex(4)}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN CONNECTION LIMIT 3").format(
            sql.Identifier(role)))  # fmt: skip
    held: list[psycopg.Connection[Any]] = []
    collector = PostgresCollector("db", PostgresCollectorConfig(url=f"{PG}/{database}"),
                                  SystemClock())  # fmt: skip
    try:
        url = f"postgresql://{role}@127.0.0.1:5432/{database}"
        site = make_site({"monitors": [{"name": "app-db", "interval": "1m", "postgres": {
            "url": url, "query": "SELECT 1"}}]})  # fmt: skip

        async def gauges() -> list[Any]:
            return [s for s in await collector.collect() if "connections" in s.name]

        await site.check("app-db", 12, samples=gauges)
        held = [psycopg.connect(url) for _ in range(3)]  # another client takes every slot
        await site.check("app-db", 12, samples=gauges)
    finally:
        for c in held:
            c.close()
        await collector.close()
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(database)))  # fmt: skip
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
    got = explain(site, "app-db")
    first = got["hypotheses"][0]
    assert first["kind"] == "exhaustion", got["hypotheses"]
    assert any("too many connections" in e for e in first["evidence"])
    assert "/runbooks/connection-exhaustion" in " ".join(first["next"])


def test_unknown_monitor_and_empty_window(make_site: Any) -> None:
    site = make_site({"monitors": [{"name": "a", "tcp": {"host": "127.0.0.1", "port": 9}}]})
    with pytest.raises(ValueError, match="no monitor named 'b'"):
        diagnose(site.config, site.store, "b", since=T0, until=T0 + 60)
    got = diagnose(site.config, site.store, "a", since=T0, until=T0 + 60)
    assert got["summary"] == "no check of this monitor is stored in the window"
    assert got["hypotheses"] == []
