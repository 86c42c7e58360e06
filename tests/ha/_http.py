"""HTTP servers the HA tests control, each in a thread on 127.0.0.1: a monitored target that
records every request and fails on demand, and a webhook sink that records notifications."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Server:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.on_get(self)

            def do_POST(self) -> None:
                owner.on_post(self)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.port = int(self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> _Server:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(10)

    def on_get(self, h: BaseHTTPRequestHandler) -> None:
        _answer(h, 404, b"")

    def on_post(self, h: BaseHTTPRequestHandler) -> None:
        _answer(h, 404, b"")


def _answer(h: BaseHTTPRequestHandler, status: int, body: bytes) -> None:
    h.send_response(status)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


class Target(_Server):
    """``GET /<name>``: 200, or 503 while ``<name>`` is in ``failing``; every hit is kept.
    ``delays`` holds the answer to some clients back (a distance where netem is missing)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        super().__init__(host)
        self.failing: set[str] = set()
        self.delays: dict[str, float] = {}  # seconds to wait before answering, by client address
        self.hits: dict[str, list[float]] = defaultdict(list)

    def url(self, name: str) -> str:
        return f"http://{self.host}:{self.port}/{name}"

    def on_get(self, h: BaseHTTPRequestHandler) -> None:
        name = h.path.strip("/")
        time.sleep(self.delays.get(h.client_address[0], 0.0))
        with self.lock:
            self.hits[name].append(time.time())
            down = name in self.failing
        _answer(h, 503 if down else 200, b"down" if down else b"ok")

    def times(self, name: str) -> list[float]:
        with self.lock:
            return list(self.hits[name])


class Sink(_Server):
    """A webhook receiver: every POSTed JSON body and its dedup key, in order of arrival."""

    def __init__(self) -> None:
        super().__init__()
        self.received: list[tuple[str, dict[str, Any]]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def on_post(self, h: BaseHTTPRequestHandler) -> None:
        body = h.rfile.read(int(h.headers.get("Content-Length", "0")))
        with self.lock:
            self.received.append((h.headers.get("X-Warden-Dedup-Key", ""), json.loads(body)))
        _answer(h, 200, b"")

    def statuses(self) -> list[str]:
        with self.lock:
            return [str(body.get("status")) for _, body in self.received]
