"""Reading an access log file (plain or gzip) into requests; bad lines are counted and a few
kept as samples (with their line numbers), never fatal."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from warden.traffic.formats import LogFormat
from warden.traffic.record import Request

MAX_SAMPLES = 5


@dataclass
class ReadReport:
    lines: int = 0
    parsed: int = 0
    bad: int = 0
    samples: list[tuple[int, str]] = field(default_factory=list)

    def bad_line(self, number: int, text: str) -> None:
        self.bad += 1
        if len(self.samples) < MAX_SAMPLES:
            self.samples.append((number, text.rstrip("\r\n")[:300]))


def _open(path: Path) -> IO[bytes] | gzip.GzipFile:
    if path.suffix == ".gz":
        return gzip.open(path, "rb")
    return path.open("rb")


def read_requests(
    path: Path,
    fmt: LogFormat,
    report: ReadReport,
    progress: Callable[[int], None] | None = None,
) -> Iterator[Request]:
    """Every request in ``path``; ``report`` counts lines and bad lines as they go, and
    ``progress`` (if given) is told the bytes read every 4 MiB."""
    parse = fmt.parse
    with _open(path) as raw:
        done = 0
        for number, data in enumerate(raw, 1):
            if progress is not None:
                done += len(data)
                if done >= 1 << 22:
                    progress(done)
                    done = 0
            if len(data) < 3 and not data.strip():
                continue  # a blank line is not a bad one
            line = data.decode("utf-8", "replace")
            report.lines += 1
            if line.startswith("#") and fmt.header(line):
                continue
            r = parse(line)
            if r is None:
                report.bad_line(number, line)
                continue
            report.parsed += 1
            yield r
        if progress is not None and done:
            progress(done)
