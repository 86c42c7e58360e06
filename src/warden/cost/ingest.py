"""``warden cost ingest``: FOCUS exports into the cost data directory.

Each file is identified by the SHA-256 of its content: a file already ingested is skipped,
so re-ingesting never doubles the spend; a new version of a file from the same source (the
provider rewrites the month's export each day) replaces the old one's lines. Every value is
checked against its FOCUS type; a bad row is reported as ``file:row:column: why`` (the row is
the line in a CSV file, the header being line 1, and the 1-based row in a Parquet file).
Without ``skip_bad`` one bad row stops the whole ingest and nothing changes; with it the bad
rows are left out and still reported. Files are validated and written to a staging folder
first, and only made live (with one manifest update) when every file is through.
"""

# ruff: noqa: S608 - DuckDB SQL over Warden's own Parquet files; its literals are dates
# and config strings escaped where they are built

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warden.cost import focus, lake
from warden.cost.errors import CostInputError
from warden.cost.sources import Input, content_hash, gunzip, opened

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa  # type: ignore[import-untyped]

    from warden.cost.config import CostConfig

Progress = Callable[[str, str, int, int], None]
"""``progress(source, phase, bytes_done, bytes_total)``: phases are fetch, hash, read, write."""

MAX_SHOWN = 50  # bad rows listed in full; the rest are counted


@dataclass
class _Staged:
    item: Input
    fid: str
    rows: int
    skipped: int
    first: str | None
    last: str | None
    currency: list[str]
    version: str
    tmp: Path
    bad: list[str] = field(default_factory=list)


def _name(item: Input) -> str:
    return item.source if item.source.startswith("s3://") else Path(item.source).name


def _csv_reader(path: Path) -> pa.RecordBatchReader:
    """The CSV's rows, every column as text, with a 0-based ``_row`` column (in file order)."""
    import pyarrow as pa
    from pyarrow import csv

    parse = csv.ParseOptions(newlines_in_values=True)
    try:
        with csv.open_csv(
            path, parse_options=parse, read_options=csv.ReadOptions(block_size=1 << 16)
        ) as probe:
            names = probe.schema.names
        convert = csv.ConvertOptions(
            column_types={n: pa.string() for n in names}, strings_can_be_null=False
        )
        reader = csv.open_csv(
            path,
            parse_options=parse,
            convert_options=convert,
            read_options=csv.ReadOptions(block_size=8 << 20),
        )
    except (pa.ArrowInvalid, OSError) as exc:
        raise CostInputError(f"{path.name}: not a readable CSV file: {exc}") from exc
    schema = reader.schema.append(pa.field("_row", pa.int64()))

    def batches() -> Any:
        offset = 0
        with reader:
            for batch in reader:
                rows = pa.array(range(offset, offset + batch.num_rows), pa.int64())
                offset += batch.num_rows
                yield pa.RecordBatch.from_arrays([*batch.columns, rows], schema=schema)

    return pa.RecordBatchReader.from_batches(schema, batches())


class _Source:
    """The file as the DuckDB view ``src`` (opened again for the messages of bad rows: a
    CSV file is read as a stream, once per opening)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, item: Input, path: Path, tmp: Path):
        self.con, self.item, self.name = con, item, _name(item)
        self.path = gunzip(path, tmp) if item.fmt == "parquet" and item.gzipped else path
        self.row = "file_row_number" if item.fmt == "parquet" else "_row"

    def __enter__(self) -> dict[str, str]:
        import duckdb

        try:
            if self.item.fmt == "parquet":
                self.con.execute(
                    f"CREATE OR REPLACE TEMP VIEW src AS SELECT * FROM "
                    f"read_parquet({_lit(self.path)}, file_row_number = true)"
                )
            else:
                self.con.register("src_arrow", _csv_reader(self.path))
                self.con.execute("CREATE OR REPLACE TEMP VIEW src AS SELECT * FROM src_arrow")
            described = self.con.execute("DESCRIBE src").fetchall()
        except duckdb.Error as exc:
            self.__exit__()
            raise CostInputError(f"{self.name}: cannot read it: {exc}") from exc
        return {str(r[0]): str(r[1]) for r in described}

    def __exit__(self, *exc: object) -> None:
        self.con.execute("DROP VIEW IF EXISTS src")
        if self.item.fmt != "parquet":
            self.con.unregister("src_arrow")

    def run(self, sql: str) -> list[tuple[Any, ...]]:
        import duckdb

        try:
            return self.con.execute(sql).fetchall()
        except duckdb.Error as exc:
            raise CostInputError(f"{self.name}: cannot read it: {exc}") from exc


def _load(source: _Source, out: Path) -> tuple[str, dict[str, str]]:
    """Write the file's lines, typed, with ``_row`` and ``bad``, to the Parquet file ``out``
    in one streaming pass; returns the FOCUS version its columns look like, and its types."""
    with source as types:
        absent = focus.missing(set(types))
        if absent:
            raise CostInputError(f"{source.name}: not a FOCUS export: missing {', '.join(absent)}")
        sql = focus.select_sql(types, source.row, "src")
        source.run(f"COPY ({sql}) TO {_lit(out)} ({_PARQUET})")
    return focus.focus_version(set(types)), types


_PARQUET = "FORMAT parquet, COMPRESSION zstd"


def _lit(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _scan(out: Path) -> str:
    return f"read_parquet({_lit(out)})"


def _bad_rows(source: _Source, out: Path) -> tuple[int, list[str]]:
    """How many rows are bad, and the first ones as ``file:row:column: why`` (naming the
    values reads the source again: only when some are bad)."""
    name, csv = source.name, source.item.fmt == "csv"
    (count,) = source.run(f"SELECT count(*) FROM {_scan(out)} WHERE bad")[0]
    if not count:
        return 0, []
    with source as types:
        detail = focus.select_sql(types, source.row, "src", detail=True)
        shown = source.run(f"SELECT _row, errors FROM ({detail}) ORDER BY _row LIMIT {MAX_SHOWN}")
    lines = []
    for row, errors in shown:
        for column, value in focus.reasons(errors):
            lines.append(
                f"{name}:{row + 1 if csv else row}:{column}: {focus.describe(column, value)}"
            )
    return int(count), lines


def _without_bad(con: duckdb.DuckDBPyConnection, out: Path) -> None:
    """Rewrite ``out`` leaving the bad rows out."""
    clean = out.with_name(out.name + ".clean")
    con.execute(f"COPY (SELECT * FROM {_scan(out)} WHERE NOT bad) TO {_lit(clean)} ({_PARQUET})")
    clean.replace(out)


def _rollups(con: duckdb.DuckDBPyConnection, out: Path) -> list[Path]:
    """The daily and resource rollups of a staged file (beside it, ``.daily``/``.seen``)."""
    made = []
    for kind, sql in (("daily", focus.DAILY), ("seen", focus.SEEN)):
        path = out.with_name(out.name.removesuffix(".parquet") + f".{kind}.parquet")
        con.execute(f"COPY ({sql.format(src=_scan(out))}) TO {_lit(path)} ({_PARQUET})")
        made.append(path)
    return made


def _summary(con: duckdb.DuckDBPyConnection, out: Path) -> tuple[int, Any, Any, list[str]]:
    row = con.execute(
        "SELECT count(*), strftime(min(period_start), '%Y-%m-%d'), "
        f"strftime(max(period_start), '%Y-%m-%d'), list(DISTINCT currency) FROM {_scan(out)} "
        "WHERE NOT bad"
    ).fetchone()
    assert row is not None
    return int(row[0]), row[1], row[2], sorted(c for c in row[3] or [] if c)


def ingest(
    targets: Sequence[str],
    config: CostConfig,
    root: Path,
    *,
    skip_bad: bool = False,
    progress: Progress | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """Ingest every export file of ``targets`` (files, folders, s3:// URLs) into ``root``;
    the summary (schema ``warden.cost.ingest/v1``): per file ingested, skipped as unchanged or
    replaced, its rows and bad rows. Raises CostInputError (nothing changes) on a file that is
    not a FOCUS export, or on bad rows without ``skip_bad``."""
    done = progress or (lambda *_: None)
    started = time.monotonic()
    with lake.locked(root), opened(list(targets), config.s3, root) as (items, fetch):
        manifest = lake.read_manifest(root)
        total = sum(i.size for i in items)
        seen = 0
        results: list[dict[str, Any]] = []
        staged: list[_Staged] = []
        problems: list[str] = []
        tmp = root / "lines" / f".staging-{time.time_ns()}"
        con = lake.connect(temp=tmp)
        try:
            tmp.mkdir(parents=True)
            for item in items:
                name = _name(item)
                known = manifest.by_source(item.source)
                if (
                    known is not None
                    and item.etag
                    and known.etag == item.etag
                    and known.size == item.size
                ):
                    results.append(_row(item, "unchanged", known.id, known.rows, 0))
                    seen += item.size
                    done(name, "skip", seen, total)
                    continue
                done(name, "fetch", seen, total)
                path = fetch(item)
                done(name, "hash", seen, total)
                fid = content_hash(path)
                same = manifest.by_id(fid) or next((s for s in staged if s.fid == fid), None)
                if same is not None:
                    results.append(_row(item, "unchanged", fid, same.rows, 0))
                    seen += item.size
                    done(name, "skip", seen, total)
                    continue
                done(name, "read", seen, total)
                out = tmp / f"{fid}.parquet"
                source = _Source(con, item, path, tmp)
                version, _ = _load(source, out)
                count, bad = _bad_rows(source, out)
                if count:
                    problems += bad
                    if count > MAX_SHOWN:
                        problems.append(f"{name}: {count - MAX_SHOWN} more bad rows")
                    if skip_bad:
                        done(name, "write", seen, total)
                        _without_bad(con, out)
                rows, first, last, currency = _summary(con, out)
                _rollups(con, out)
                staged.append(
                    _Staged(item, fid, rows, count, first, last, currency, version, out, bad)
                )
                seen += item.size
                done(name, "done", seen, total)
            if problems and not skip_bad:
                raise CostInputError(
                    f"bad rows in the export (nothing was ingested; --skip-bad leaves them "
                    f"out): {len(problems)} problem(s)",
                    problems,
                )
            results += _commit(root, manifest, staged, now or time.time())
        finally:
            con.close()
            shutil.rmtree(tmp, ignore_errors=True)
    live = lake.read_manifest(root)
    return {
        "data_dir": str(root),
        "files": results,
        "bad_rows": problems,
        "rows_ingested": sum(r["rows"] for r in results if r["status"] != "unchanged"),
        "rows_skipped": sum(r["skipped"] for r in results),
        "total_files": len(live.files),
        "total_rows": sum(f.rows for f in live.files),
        "seconds": round(time.monotonic() - started, 3),
    }


def _row(item: Input, status: str, fid: str, rows: int, skipped: int) -> dict[str, Any]:
    return {
        "source": item.source,
        "status": status,
        "id": fid[:16],
        "rows": rows,
        "skipped": skipped,
    }


def _commit(
    root: Path, manifest: lake.Manifest, staged: list[_Staged], now: float
) -> list[dict[str, Any]]:
    """Move the staged files into place and write the manifest once."""
    out = []
    old: list[lake.FileEntry] = []
    (root / "rollups").mkdir(exist_ok=True)
    for s in staged:
        parts = []
        if s.rows:
            final = root / "lines" / s.tmp.name
            s.tmp.replace(final)
            parts.append(str(final.relative_to(root)))
            for kind in ("daily", "seen"):
                name = f"{s.fid}.{kind}.parquet"
                s.tmp.with_name(name).replace(root / "rollups" / name)
                parts.append(f"rollups/{name}")
        replaced = manifest.by_source(s.item.source)
        if replaced is not None:
            old.append(replaced)
            manifest.files.remove(replaced)
        manifest.files.append(
            lake.FileEntry(
                id=s.fid,
                source=s.item.source,
                rows=s.rows,
                skipped=s.skipped,
                ingested_at=now,
                first=s.first,
                last=s.last,
                currency=s.currency,
                focus_version=s.version,
                parts=parts,
                etag=s.item.etag,
                size=s.item.size,
            )
        )
        status = "replaced" if replaced is not None else "ingested"
        out.append(
            {
                **_row(s.item, status, s.fid, s.rows, s.skipped),
                "focus_version": s.version,
                "first_day": s.first,
                "last_day": s.last,
            }
        )
    lake.write_manifest(root, manifest)
    for entry in old:
        if manifest.by_id(entry.id) is None:
            lake.remove_parts(root, entry)
    return out
