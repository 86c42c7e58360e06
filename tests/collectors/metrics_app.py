"""A small real web app instrumented with prometheus_client, as an app under Warden would be.

It serves ``/users/<id>`` (200 after ``delay`` seconds), ``/fail`` (500) and ``/metrics``
(Prometheus text or OpenMetrics, as the Accept header asks) on 127.0.0.1, with a request
counter ``http_requests_total{method,handler,status}`` and a latency histogram
``http_request_duration_seconds{method,handler}`` in a registry of its own; with ``auth``,
/metrics wants that Authorization header; with ``tls`` (a server context) it speaks HTTPS.
"""

from __future__ import annotations

import re
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import choose_encoder

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)


class MetricsApp:
    def __init__(
        self, delay: float = 0.0, auth: str | None = None, tls: ssl.SSLContext | None = None
    ) -> None:
        self.delay = delay
        self.auth = auth
        self.scheme = "https" if tls else "http"
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests", "Requests.", ["method", "handler", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "http_request_duration_seconds", "Latency.", ["method", "handler"],
            buckets=BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def __enter__(self) -> MetricsApp:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        app = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def do_GET(self) -> None:
                if self.path == "/metrics":
                    if app.auth and self.headers.get("Authorization") != app.auth:
                        self._send(401, b"who are you?\n", "text/plain")
                        return
                    encoder, content_type = choose_encoder(self.headers.get("Accept", ""))
                    self._send(200, encoder(app.registry), content_type)
                    return
                started = time.perf_counter()
                if re.fullmatch(r"/users/\d+", self.path):
                    if app.delay:
                        time.sleep(app.delay)
                    handler, status = "/users/{id}", 200
                elif self.path == "/fail":
                    handler, status = "/fail", 500
                else:
                    handler, status = "other", 404
                self._send(status, b"ok\n" if status == 200 else b"no\n", "text/plain")
                app.latency.labels("GET", handler).observe(time.perf_counter() - started)
                app.requests.labels("GET", handler, str(status)).inc()

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
