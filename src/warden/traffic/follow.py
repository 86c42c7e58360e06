"""Following a log file as it grows, across rotation, keeping the position across restarts.

The file stays open between reads, so after a rename rotation (``access.log`` ->
``access.log.1``) the rest of the old file is read through the open handle before the new
file is opened from its start. A file that shrank below the position was truncated in place
(``copytruncate``): reading restarts at 0 (lines written between the last read and the
truncation are lost; that is inherent to copytruncate). Only complete lines are returned; a
partial last line waits for its newline.

The position (inode and offset of the next unread line) is saved in a small JSON state file,
atomically, after each read. On start, a saved position in the same file resumes there; when
the file was rotated while Warden was down, the rest of the old file is read from
``<path>.1`` if that is it (same inode). Without a saved position reading starts at the end
(``start_at: end``) or at the beginning (``start_at: beginning``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO

MAX_READ = 64 << 20
"""Bytes read per call at most, so one huge backlog is taken in bounded steps."""


class LogFollower:
    def __init__(self, path: Path, state_file: Path | None, start_at: str = "end") -> None:
        self.path = path
        self.state_file = state_file
        self.start_at = start_at
        self._file: IO[bytes] | None = None
        self._inode = 0
        self._offset = 0  # of the next unread byte that starts a line
        self._pending: list[IO[bytes]] = []  # rotated files still to finish (on restart)
        self._opened = False

    # state

    def _load(self) -> dict[str, int] | None:
        if self.state_file is None or not self.state_file.exists():
            return None
        try:
            data = json.loads(self.state_file.read_text())
            return {"inode": int(data["inode"]), "offset": int(data["offset"])}
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _save(self) -> None:
        if self.state_file is None:
            return
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"path": str(self.path), "inode": self._inode,
                                   "offset": self._offset}))  # fmt: skip
        os.replace(tmp, self.state_file)

    # opening

    def _first_open(self) -> None:
        self._opened = True
        saved = self._load()
        try:
            f = self.path.open("rb")
        except FileNotFoundError:
            return
        st = os.fstat(f.fileno())
        if saved is not None and saved["inode"] == st.st_ino and st.st_size >= saved["offset"]:
            f.seek(saved["offset"])
        elif saved is not None:
            old = Path(f"{self.path}.1")  # rotated while we were down: finish it first
            try:
                o = old.open("rb")
                if os.fstat(o.fileno()).st_ino == saved["inode"]:
                    o.seek(saved["offset"])
                    self._pending.append(o)
                else:
                    o.close()
            except FileNotFoundError:
                pass
        elif self.start_at == "end":
            f.seek(0, os.SEEK_END)
        self._adopt(f)

    def _adopt(self, f: IO[bytes]) -> None:
        self._file = f
        self._inode = os.fstat(f.fileno()).st_ino
        self._offset = f.tell()

    # reading

    def read_lines(self) -> list[bytes]:
        """The complete lines written since the last call (rotation and truncation handled)."""
        if not self._opened:
            self._first_open()
        lines: list[bytes] = []
        while self._pending:
            old = self._pending.pop(0)
            with old:
                lines += _complete_lines(old.read(MAX_READ))[0]
        if self._file is None:
            try:
                self._adopt(self.path.open("rb"))  # appeared since: read it from its start
            except FileNotFoundError:
                return lines
        assert self._file is not None
        lines += self._drain()
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            st = None  # renamed, not yet recreated: keep reading the old one next time
        if st is not None and st.st_ino != self._inode:  # rotated by rename
            self._file.close()
            self._adopt(self.path.open("rb"))
            lines += self._drain()
        elif st is not None and st.st_size < self._offset:  # truncated in place
            self._file.seek(0)
            self._offset = 0
            lines += self._drain()
        self._save()
        return lines

    def _drain(self) -> list[bytes]:
        assert self._file is not None
        self._file.seek(self._offset)
        data = self._file.read(MAX_READ)
        lines, consumed = _complete_lines(data)
        self._offset += consumed
        return lines

    def __enter__(self) -> LogFollower:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        for f in self._pending:
            f.close()
        self._pending.clear()


def _complete_lines(data: bytes) -> tuple[list[bytes], int]:
    """The complete lines of ``data`` and how many bytes they take."""
    end = data.rfind(b"\n")
    if end < 0:
        return [], 0
    return data[: end + 1].splitlines(), end + 1
