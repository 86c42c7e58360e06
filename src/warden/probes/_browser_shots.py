"""Screenshots of failed browser checks, kept on disk: ``<dir>/<monitor>/<ms>-<status>.jpg``.

One JPEG per failed (DOWN or DEGRADED) check, named by the check's start in epoch
milliseconds and its status, written atomically (a temporary file renamed), the newest ``keep``
per monitor kept. Files survive a restart; the web app lists and serves them from the same
folder (``warden.web.browser_api``). Only names this module writes are ever read back.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

NAME_RE = re.compile(r"^(\d{10,16})-(degraded|down)\.jpg$")


@dataclass(frozen=True, slots=True)
class Shot:
    name: str
    time: float
    status: str
    bytes: int


def folder(root: Path, monitor: str) -> Path:
    """The monitor's folder (monitor names are letters, digits, ``_ . -``, never ``..``)."""
    if not monitor or monitor.startswith(".") or "/" in monitor or "\\" in monitor:
        raise ValueError(f"bad monitor name {monitor!r}")
    return root / monitor


def save(root: Path, monitor: str, at: float, status: str, image: bytes, keep: int) -> Path:
    """Write one screenshot and drop the oldest beyond ``keep``; returns its path."""
    where = folder(root, monitor)
    where.mkdir(parents=True, exist_ok=True)
    path = where / f"{round(at * 1000)}-{status}.jpg"
    tmp = where / f".{path.name}.{os.getpid()}.tmp"
    tmp.write_bytes(image)
    tmp.replace(path)
    for old in listing(root, monitor)[keep:]:
        with contextlib.suppress(FileNotFoundError):
            (where / old.name).unlink()
    return path


def listing(root: Path, monitor: str) -> list[Shot]:
    """The monitor's screenshots, newest first."""
    try:
        entries = list(os.scandir(folder(root, monitor)))
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return []
    shots = []
    for entry in entries:
        m = NAME_RE.match(entry.name)
        if m is None:
            continue
        with contextlib.suppress(FileNotFoundError):
            size = entry.stat().st_size
            shots.append(Shot(entry.name, int(m.group(1)) / 1000.0, m.group(2), size))
    return sorted(shots, key=lambda s: s.time, reverse=True)


def read(root: Path, monitor: str, name: str) -> bytes | None:
    """One screenshot's bytes, or None if there is no such screenshot."""
    if NAME_RE.match(name) is None:
        return None
    try:
        return (folder(root, monitor) / name).read_bytes()
    except (OSError, ValueError):
        return None
