"""Remote load workers for the tests: ``warden load worker`` processes on loopback."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import free_port

TOKEN = "a-test-token-0123456789abcdef"


@dataclass
class WorkerProc:
    address: str
    proc: subprocess.Popen[bytes]
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace")


def token_file(directory: Path, token: str = TOKEN) -> Path:
    path = directory / "load.token"
    path.write_text(token + "\n")
    path.chmod(0o600)
    return path


def start_worker(directory: Path, name: str, token: Path, processes: int = 1) -> WorkerProc:
    """Start ``warden load worker`` and wait (bounded) until it listens."""
    port = free_port()
    log = directory / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "warden.cli", "load", "worker", "--listen",
             f"127.0.0.1:{port}", "--token-file", str(token), "--processes", str(processes)],
            stdout=subprocess.DEVNULL,
            stderr=out,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
    worker = WorkerProc(f"127.0.0.1:{port}", proc, log)
    deadline = time.monotonic() + 60
    while "listening on" not in worker.text():
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_worker(worker)
            raise RuntimeError(f"worker {name} did not start: {worker.text()[-2000:]}")
        time.sleep(0.05)
    return worker


def stop_worker(worker: WorkerProc) -> None:
    if worker.proc.poll() is None:
        worker.proc.send_signal(signal.SIGINT)
        try:
            worker.proc.wait(20)
        except subprocess.TimeoutExpired:
            worker.proc.kill()
            worker.proc.wait(10)


@contextlib.contextmanager
def workers(directory: Path, count: int, processes: int = 1) -> Iterator[list[WorkerProc]]:
    token = token_file(directory)
    started: list[WorkerProc] = []
    try:
        for i in range(count):
            started.append(start_worker(directory, f"worker{i}", token, processes))
        yield started
    finally:
        for w in started:
            stop_worker(w)
