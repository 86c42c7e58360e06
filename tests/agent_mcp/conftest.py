"""A Warden site for the MCP tests: a config with a monitor, an SLO, an audit of the local
Redis, a files backup and a store holding results, samples, an alert and an incident; a small
HTTP app on loopback for the load test tools."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from warden.backup.crypto import generate_key
from warden.cost.generate import generate, write
from warden.results import CheckResult, Sample, Status
from warden.rum.collect import RumBook
from warden.tables import open_store

CONFIG = """
store:
  url: sqlite:///{db}
monitors:
  - name: api
    http: {{url: "http://127.0.0.1:{port}/", headers: {{Authorization: "Bearer sekrit-header"}}}}
    interval: 60s
  - name: cache
    tcp: {{host: 127.0.0.1, port: 6379}}
slos:
  - name: api-availability
    monitors: [api]
    objective: 99.0
audits:
  - name: cache
    kind: redis
    target: redis://127.0.0.1:6379/0
scan:
  paths: ["{infra}"]
backups:
  - name: files
    key_file: {key}
    source: {{type: files, path: {data}}}
    repository: {{type: local, path: {repo}}}
rum:
  sites:
    - name: shop
      origins: ["https://shop.example"]
cost:
  sources: ["{bills}"]
  data_dir: {lake}
"""


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"hello\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@dataclass
class McpSite:
    config: Path
    db: Path
    app_url: str
    infra: Path


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def mcp_site(tmp_path: Path, app_url: str) -> McpSite:
    tmp = tmp_path
    key = tmp / "backup.key"
    key.write_text(generate_key() + "\n")
    key.chmod(0o600)
    data = tmp / "data"
    data.mkdir()
    (data / "a.txt").write_text("some data\n" * 100)
    db = tmp / "w.db"
    port = app_url.rsplit(":", 1)[1].strip("/")
    cfg = tmp / "warden.yaml"
    infra = tmp / "infra"
    infra.mkdir()
    (infra / "Dockerfile").write_text("FROM python:latest\nRUN pip install flask\n")
    bills = tmp / "bills"
    write(generate("2025-01", months=2), bills / "focus.parquet")
    cfg.write_text(CONFIG.format(db=db, port=port, key=key, data=data, repo=tmp / "repo",
                                 infra=infra, bills=bills, lake=tmp / "lake"))  # fmt: skip
    store = open_store(f"sqlite:///{db}")
    try:
        now = time.time()
        results = [
            CheckResult("api", Status.UP if i % 10 else Status.DOWN, 0.01 + i / 1e4,
                        now - 3600 + i * 60, phases={"connect": 0.001, "ttfb": 0.008})
            for i in range(60)
        ]  # fmt: skip
        samples = [Sample("host_cpu_percent", {"host": "h1"}, 20.0 + i % 7, now - 3600 + i * 60)
                   for i in range(60)]  # fmt: skip
        from warden.config import load_config
        from warden.engine.app import monitor_info

        store.sync_monitors([monitor_info(m) for m in load_config(cfg).monitors])
        book = RumBook(time.time)
        shop = load_config(cfg).rum.sites[0]
        for lcp in (1200, 1900, 4600):
            book.take(shop, {"page": "/cart", "device": "mobile", "metrics": {"LCP": lcp}})
        store.write(results, samples + book.drain()[0])
    finally:
        store.close()
    return McpSite(cfg, db, app_url, infra)
