"""The agent's connection to the server: one keep-alive HTTP/1.1 connection (the standard
library's ``http.client``, called from a thread), the token on every request, and the clock.

A request that fails on a connection the server may have closed while it was idle is retried
once on a fresh one (both requests are safe to repeat: reading the assignment, and pushing a
batch, which the server stores once by its id). Every answer carries the server's time; the
offset of the server's clock to the agent's is estimated from the exchange with the shortest
round trip among the recent ones (the server's reading taken half-way), and is sent with every
push so the server stores result times on its own clock and shows the skew.
"""

from __future__ import annotations

import http.client
import json
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from warden import __version__

TIMEOUT = 15.0
SAMPLES = 8


class LinkError(Exception):
    """The server could not be reached or did not answer (the agent buffers and retries)."""


class Refused(LinkError):
    """The server answered no (a bad or revoked token, a bad batch): retrying will not help."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: dict[str, Any]


class Link:
    def __init__(
        self,
        server: str,
        token: str,
        location: str,
        *,
        insecure: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        parts = urlsplit(server)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"--server {server!r} is not an http:// or https:// URL")
        self.tls = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.tls else 80)
        self.prefix = parts.path.rstrip("/")
        self.token = token
        self.location = location
        self.clock = clock
        self.context: ssl.SSLContext | None = None
        if self.tls:
            self.context = ssl.create_default_context()
            if insecure:
                self.context.check_hostname = False
                self.context.verify_mode = ssl.CERT_NONE
        self.conn: http.client.HTTPConnection | None = None
        self._lock = threading.Lock()
        self.connects = 0  # connections that carried an answer (keep-alive keeps this low)
        self._fresh = False
        self.samples: deque[tuple[float, float]] = deque(maxlen=SAMPLES)  # (rtt, offset)

    @property
    def offset(self) -> float:
        """The server's clock minus this machine's (0 before the first answer)."""
        return min(self.samples)[1] if self.samples else 0.0

    @property
    def rtt(self) -> float | None:
        return min(self.samples)[0] if self.samples else None

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            if self.tls:
                self.conn = http.client.HTTPSConnection(
                    self.host, self.port, timeout=TIMEOUT, context=self.context
                )
            else:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
            self._fresh = True
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """One request (blocking); LinkError when the server cannot be reached."""
        all_headers = {
            "Authorization": f"Bearer {self.token}",
            "X-Warden-Location": self.location,
            "User-Agent": f"warden-agent/{__version__}",
            "Accept": "application/json",
            **(headers or {}),
        }
        with self._lock:  # one request at a time on the one connection
            return self._request(method, path, body, all_headers)

    def _request(
        self, method: str, path: str, body: bytes | None, all_headers: dict[str, str]
    ) -> Answer:
        for attempt in (1, 2):
            reused = self.conn is not None
            conn = self._connection()
            t0 = self.clock()
            try:
                conn.request(method, self.prefix + path, body=body, headers=all_headers)
                response = conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                if attempt == 1 and reused:
                    continue  # the server closed the idle connection: once more on a new one
                raise LinkError(f"{self.host}:{self.port}: {exc or type(exc).__name__}") from exc
            t1 = self.clock()
            if self._fresh:
                self.connects += 1
                self._fresh = False
            if response.getheader("connection", "").lower() == "close":
                self.close()
            return self._answer(response.status, data, t0, t1)
        raise AssertionError("unreachable")

    def _answer(self, status: int, data: bytes, t0: float, t1: float) -> Answer:
        try:
            body = json.loads(data) if data else {}
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        if status >= 500 or status in (408, 429):
            raise LinkError(f"HTTP {status}: {body.get('error') or 'the server is unavailable'}")
        if status >= 400:
            raise Refused(status, str(body.get("error") or body.get("detail") or "refused"))
        server_time = body.get("server_time")
        if isinstance(server_time, int | float):
            self.samples.append((t1 - t0, float(server_time) - (t0 + t1) / 2))
        return Answer(status, body)

    def assignment(self) -> dict[str, Any]:
        return self.request("GET", "/api/v1/agent/assignment").body

    def push(self, gzipped: bytes, buffered: int) -> dict[str, Any]:
        headers = {
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
            "X-Warden-Clock-Offset": f"{self.offset:.6f}",
            "X-Warden-Buffered": str(buffered),
        }
        if self.rtt is not None:
            headers["X-Warden-Rtt"] = f"{self.rtt:.6f}"
        return self.request("POST", "/api/v1/agent/results", gzipped, headers).body
