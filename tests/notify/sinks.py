"""Real receivers on loopback for notification tests: an HTTP sink, SMTP and Alertmanager."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.conftest import free_port


class HttpSink:
    """A tiny HTTP/1.1 server that records POSTed JSON; ``status`` sets its answer."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.status = 200
        self.hits = 0
        self.server: asyncio.Server | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readline()
            headers: dict[str, str] = {}
            while True:
                line = (await reader.readline()).decode().strip()
                if not line:
                    break
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.hits += 1
            if self.status == 200:
                self.received.append(json.loads(body))
                self.headers.append(headers)
            reason = "OK" if self.status == 200 else "Unavailable"
            head = f"HTTP/1.1 {self.status} {reason}\r\nContent-Length: 0\r\n"
            writer.write((head + "Connection: close\r\n\r\n").encode())
            await writer.drain()
        finally:
            writer.close()


async def wait_for(predicate: Any, timeout: float = 10.0) -> None:
    """Poll ``predicate`` (real time, bounded) while threads and servers do their work."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")


@contextmanager
def alertmanager(tmp: Path) -> Iterator[str]:
    """A real Alertmanager on 127.0.0.1 with a null receiver; yields its base URL."""
    assert ALERTMANAGER is not None
    port = free_port()
    cfg = tmp / "am.yml"
    cfg.write_text("route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n", encoding="utf-8")
    (tmp / "am-data").mkdir()
    proc = subprocess.Popen(
        [
            ALERTMANAGER,
            f"--config.file={cfg}",
            f"--storage.path={tmp / 'am-data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"{url}/-/ready", timeout=1) as r:  # noqa: S310 - loopback
                    if r.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError("alertmanager did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def am_alerts(url: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(  # noqa: S310 - loopback
        f"{url}/api/v2/alerts?active=true&silenced=true&inhibited=true", timeout=5
    ) as r:
        data: list[dict[str, Any]] = json.loads(r.read())
    return data
