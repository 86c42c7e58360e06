"""The agent's disk buffer: every batch is written here before it is sent, and deleted only
once the server has answered that it stored it.

One file per batch, named ``<sequence>-<batch id>.json.gz`` and holding exactly the gzip
body that is sent, written to a temporary name, flushed to disk and renamed, so a batch is
either whole or absent after a crash. Files are sent oldest first; the batch id inside never
changes, so a file sent twice (the answer was lost, the agent restarted) is stored once by the
server. When the spool would pass ``max_bytes`` the oldest batches are dropped and counted
(a long outage then loses its oldest results, never the newest). The last assignment is kept
beside it, so an agent restarted while the server is away still knows what to probe.
"""

from __future__ import annotations

import gzip
import json
import os
import secrets
from pathlib import Path
from typing import Any

SUFFIX = ".json.gz"
ASSIGNMENT = "assignment.json"


class Spool:
    def __init__(self, directory: Path, max_bytes: int = 256 * 2**20) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self.dropped = 0  # batches dropped because the spool was full
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        for stale in directory.glob("*.tmp"):  # a write cut short by a crash
            stale.unlink(missing_ok=True)
        found = self.pending()
        self._next = int(found[-1].name.split("-", 1)[0]) + 1 if found else 0

    def add(self, batch: dict[str, Any]) -> Path:
        """Write a batch (its ``batch`` id set here when missing); returns its file."""
        batch.setdefault("batch", secrets.token_hex(16))
        body = gzip.compress(json.dumps(batch, separators=(",", ":")).encode(), 6)
        path = self.directory / f"{self._next:012d}-{batch['batch']}{SUFFIX}"
        self._next += 1
        _write(path, body)
        self._trim()
        return path

    def pending(self) -> list[Path]:
        """Batches not yet stored by the server, oldest first."""
        return sorted(self.directory.glob(f"*{SUFFIX}"))

    def read(self, path: Path) -> bytes:
        return path.read_bytes()

    def done(self, path: Path) -> None:
        path.unlink(missing_ok=True)

    def size(self) -> int:
        return sum(p.stat().st_size for p in self.pending())

    def _trim(self) -> None:
        files = self.pending()
        total = sum(p.stat().st_size for p in files)
        while total > self.max_bytes and len(files) > 1:
            oldest = files.pop(0)
            total -= oldest.stat().st_size
            oldest.unlink(missing_ok=True)
            self.dropped += 1

    def save_assignment(self, doc: dict[str, Any]) -> None:
        _write(self.directory / ASSIGNMENT, json.dumps(doc).encode())

    def load_assignment(self) -> dict[str, Any] | None:
        try:
            got = json.loads((self.directory / ASSIGNMENT).read_bytes())
        except (OSError, ValueError):
            return None
        return got if isinstance(got, dict) else None


def batch_id(path: Path) -> str:
    return path.name.removesuffix(SUFFIX).split("-", 1)[1]


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
