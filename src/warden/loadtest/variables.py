"""Request variables: columns of a CSV file and counting sequences, used as ``{{name}}``.

(``${NAME}`` in a scenario file is the environment, as in warden.yaml, read when it is loaded.)

Each request of a run takes the next *row*: row ``i`` of the CSV (wrapping around at the end)
and ``start + i * step`` of every sequence. Workers interleave (worker ``w`` of ``n`` takes
rows ``w, w + n, w + 2n, ...``), so a sequence gives every request of the run its own value.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from warden.errors import LoadTestError

MAX_CSV_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class SequenceVar:
    name: str
    start: int
    step: int


@dataclass(frozen=True, slots=True)
class VariableData:
    """Everything a worker needs to produce the variables of each request."""

    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    sequences: tuple[SequenceVar, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return self.columns + tuple(s.name for s in self.sequences)


def read_csv(
    path: Path, delimiter: str = ","
) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Header and rows of a CSV file; raises LoadTestError naming the file and the line."""
    try:
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            raise LoadTestError(f"{path}: CSV file is larger than {MAX_CSV_BYTES // 2**20} MiB")
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise LoadTestError(f"{path}: cannot read CSV file: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise LoadTestError(f"{path}: CSV file is not UTF-8 text") from exc
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise LoadTestError(f"{path}: CSV file is empty (it needs a header line)") from None
    header = [h.strip() for h in header]
    for name in header:
        if not name.isidentifier():
            raise LoadTestError(
                f"{path}:1: column name {name!r} must be a name (letters, digits, _)"
            )
    if len(set(header)) != len(header):
        raise LoadTestError(f"{path}:1: column names must be unique")
    rows = []
    for row in reader:
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != len(header):
            raise LoadTestError(
                f"{path}:{reader.line_num}: {len(row)} values, the header has {len(header)}"
            )
        rows.append(tuple(row))
    if not rows:
        raise LoadTestError(f"{path}: CSV file has a header but no rows")
    return tuple(header), tuple(rows)


class VariableFeed:
    """The values for this worker's requests, one mapping per request, in order."""

    def __init__(self, data: VariableData, worker: int, workers: int) -> None:
        self._data = data
        self._index = worker
        self._stride = workers

    def next(self) -> dict[str, str]:
        i = self._index
        self._index += self._stride
        data = self._data
        values: dict[str, str] = {}
        if data.rows:
            values.update(zip(data.columns, data.rows[i % len(data.rows)], strict=True))
        for s in data.sequences:
            values[s.name] = str(s.start + i * s.step)
        return values


def check_names(used: Sequence[str], data: VariableData, where: str) -> None:
    """Raise LoadTestError when a ``{{name}}`` in ``where`` has no variable."""
    known = set(data.names)
    for name in used:
        if name not in known:
            have = ", ".join(sorted(known)) or "none"
            raise LoadTestError(f"{where}: unknown variable {{{{{name}}}}} (variables: {have})")
