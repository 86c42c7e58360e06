"""The cost data directory: ingested lines as Parquet, one file per source file
(``lines/<sha256 of the source>.parquet``) with two rollups beside it (``rollups/<sha>.daily``:
spend per day, service, region and charge category; ``rollups/<sha>.seen``: when each
resource was first billed and last ran), and ``manifest.json``, the files ingested (content
hash, source, rows, period, currency) that says which are live. Whole-history questions
(months, anomalies, forecasts, ages) read the small rollups; a month's detail reads the lines.

Columnar files and DuckDB, not rows in the SQL store: a year of a mid-size bill is millions of
lines, and a report reads a few columns of them; bench/cost_speed.py measures both. Writers
take ``.lock`` (an exclusive ``flock``); the manifest is replaced atomically, so a reader sees
the old set of files or the new one. Its default place: ``warden-cost/`` beside a SQLite store,
else ``$XDG_DATA_HOME/warden/cost`` (``~/.local/share/warden/cost``).
"""

# ruff: noqa: S608 - DuckDB SQL over Warden's own Parquet files; its literals are dates
# and config strings escaped where they are built

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warden.cost.errors import CostError
from warden.cost.focus import STORED, stored_type

DAILY_COLUMNS = [
    ("day", "DATE"),
    ("currency", "VARCHAR"),
    ("service", "VARCHAR"),
    ("service_category", "VARCHAR"),
    ("region", "VARCHAR"),
    ("charge_category", "VARCHAR"),
    ("charge_frequency", "VARCHAR"),
    ("billed_cost", "DOUBLE"),
    ("effective_cost", "DOUBLE"),
    ("list_cost", "DOUBLE"),
    ("n", "BIGINT"),
]
SEEN_COLUMNS = [
    ("resource_id", "VARCHAR"),
    ("currency", "VARCHAR"),
    ("resource_name", "VARCHAR"),
    ("first_day", "DATE"),
    ("last_run", "DATE"),
    ("compute", "BOOLEAN"),
]

if TYPE_CHECKING:
    import duckdb

    from warden.cost.config import CostConfig

MANIFEST = "manifest.json"


def default_dir(store_url: str | None) -> Path:
    """``warden-cost`` beside a SQLite store file, else the user's data directory."""
    if store_url and store_url.startswith("sqlite:///") and ":memory:" not in store_url:
        db = Path(store_url.removeprefix("sqlite:///").split("?", 1)[0])
        return db.parent / f"{db.stem}-cost"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "warden" / "cost"


def data_dir(config: CostConfig, store_url: str | None) -> Path:
    return config.data_dir if config.data_dir is not None else default_dir(store_url)


@dataclass
class FileEntry:
    """One ingested source file."""

    id: str  # sha256 of the content
    source: str
    rows: int
    skipped: int
    ingested_at: float
    first: str | None  # first and last ChargePeriodStart day
    last: str | None
    currency: list[str]
    focus_version: str
    parts: list[str] = field(default_factory=list)  # Parquet files, relative to the data dir
    etag: str | None = None  # S3: ETag and size, to skip an unchanged object unread
    size: int | None = None


@dataclass
class Manifest:
    files: list[FileEntry] = field(default_factory=list)

    def by_id(self, fid: str) -> FileEntry | None:
        return next((f for f in self.files if f.id == fid), None)

    def by_source(self, source: str) -> FileEntry | None:
        return next((f for f in self.files if f.source == source), None)

    def parts(self, kind: str = "lines") -> list[str]:
        """The live Parquet files of ``kind``: lines, daily or seen."""
        end = {"lines": "", "daily": ".daily.parquet", "seen": ".seen.parquet"}[kind]
        return [
            p
            for f in self.files
            for p in f.parts
            if (p.endswith(end) if end else p.startswith("lines/"))
        ]


def read_manifest(root: Path) -> Manifest:
    path = root / MANIFEST
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Manifest()
    except (OSError, ValueError) as exc:
        raise CostError(f"cannot read {path}: {exc}") from exc
    return Manifest([FileEntry(**f) for f in doc.get("files", [])])


def write_manifest(root: Path, manifest: Manifest) -> None:
    from dataclasses import asdict

    tmp = root / f".{MANIFEST}.tmp"
    doc = {"version": 1, "files": [asdict(f) for f in manifest.files]}
    tmp.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    os.replace(tmp, root / MANIFEST)


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """The writer's lock on the data directory (created if missing)."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        handle = (root / ".lock").open("a")
    except OSError as exc:
        raise CostError(f"cannot use the cost data directory {root}: {exc}") from exc
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def remove_parts(root: Path, entry: FileEntry) -> None:
    """Delete the files of an entry no longer live."""
    for part in entry.parts:
        (root / part).unlink(missing_ok=True)


def connect(temp: Path | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection in UTC that may reorder rows (streaming writes) and
    spills to ``temp`` (default: the system's temp folder)."""
    import tempfile

    import duckdb

    spill = temp or Path(tempfile.gettempdir()) / f"warden-cost-{os.getuid()}"
    con = duckdb.connect(config={"preserve_insertion_order": False, "temp_directory": str(spill)})
    con.execute("SET TimeZone = 'UTC'")
    return con


class Lines:
    """The live cost lines of a data directory as the DuckDB view ``lines`` (empty when
    nothing was ingested); close it, or use it as a context manager."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.manifest = read_manifest(root)
        self.con = connect()
        try:
            self._view("lines", "lines", [(c, stored_type(c)) for c in STORED])
            self._view("daily", "daily", DAILY_COLUMNS)
            self._view("seen_parts", "seen", SEEN_COLUMNS)
            self.rows(
                "CREATE VIEW seen AS SELECT resource_id, currency, any_value(resource_name) AS "
                "resource_name, min(first_day) AS first_day, max(last_run) AS last_run, "
                "bool_or(compute) AS compute FROM seen_parts GROUP BY 1, 2"
            )
        except BaseException:
            self.con.close()
            raise

    def _view(self, name: str, kind: str, columns: list[tuple[str, str]]) -> None:
        """View ``name`` over the live files of ``kind`` (a column a file lacks is NULL)."""
        parts = [str(self.root / p) for p in self.manifest.parts(kind)]
        if parts:
            listed = ", ".join("'" + p.replace("'", "''") + "'" for p in parts)
            scan = f"read_parquet([{listed}], union_by_name = true)"
            have = {str(r[0]) for r in self.rows(f"DESCRIBE SELECT * FROM {scan}")}
        else:
            scan, have = "(SELECT 1 WHERE false)", set()
        cols = ", ".join(c if c in have else f"CAST(NULL AS {t}) AS {c}" for c, t in columns)
        self.rows(f"CREATE VIEW {name} AS SELECT {cols} FROM {scan}")

    @property
    def empty(self) -> bool:
        return not self.manifest.files

    def rows(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        try:
            return self.con.execute(sql, params or []).fetchall()
        except Exception as exc:  # duckdb's errors share no useful base
            raise CostError(f"cost query failed: {exc}") from exc

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Lines:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
