"""A local HTTP server that answers JSON as a service's documentation says it does.

Elasticsearch, OpenSearch and Vault cannot be installed from Debian or PyPI, so their probes
are tested against this server: each route answers a status and a JSON body (or text), and
may require one ``Authorization`` header value, answering 401 with the service's error body
otherwise. It runs in a thread on 127.0.0.1 (port 0) and records the headers it was sent.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Route:
    status: int
    body: Any
    authorization: str | None = None


@dataclass
class FakeApi:
    port: int = 0
    routes: dict[str, Route] = field(default_factory=dict)
    seen: list[dict[str, str]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answer(self, path: str, status: int, body: Any, authorization: str | None = None) -> None:
        self.routes[path] = Route(status, body, authorization)


def _handler(api: FakeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            api.seen.append(dict(self.headers.items()))
            route = api.routes.get(self.path.split("?", 1)[0])
            if route is None:
                status, body = 404, {"error": "no route", "status": 404}
            elif route.authorization and self.headers.get("Authorization") != route.authorization:
                reason = f"missing authentication credentials for REST request [{self.path}]"
                error = {"type": "security_exception", "reason": reason}
                status, body = 401, {"error": error, "status": 401}
            else:
                status, body = route.status, route.body
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def fake_api() -> Iterator[FakeApi]:
    api = FakeApi()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    api.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
