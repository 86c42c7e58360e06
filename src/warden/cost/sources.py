"""Where exports come from: files and folders on this machine, or ``s3://bucket/prefix`` read
through the backups' S3 client (warden.backup.repos.s3). An export file is CSV or Parquet,
gzip'd or not: ``*.csv``, ``*.csv.gz``, ``*.parquet``, ``*.parquet.gz`` (and ``.snappy.parquet``,
``.gz.parquet`` names some exporters give)."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warden.cost.errors import CostInputError

if TYPE_CHECKING:
    from warden.cost.config import S3Access

_CHUNK = 1 << 20


@dataclass
class Input:
    """One export file: its name in reports, where to read it, and what it is."""

    source: str
    size: int
    path: Path | None = None  # None until an S3 object is fetched
    etag: str | None = None
    key: str | None = None

    @property
    def fmt(self) -> str:
        return "parquet" if ".parquet" in self.source.lower() else "csv"

    @property
    def gzipped(self) -> bool:
        return self.source.lower().endswith(".gz")


def is_export(name: str) -> bool:
    low = name.lower()
    return low.endswith((".csv", ".csv.gz", ".parquet", ".parquet.gz"))


def content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def local_inputs(target: Path, exclude: Path | None = None) -> list[Input]:
    """The export files of a file or a folder (recursively, ``exclude`` and hidden folders
    left out: the cost data directory may lie inside), in name order."""
    if target.is_file():
        return [Input(str(target.resolve()), target.stat().st_size, target.resolve())]
    if not target.is_dir():
        raise CostInputError(f"{target}: no such file or folder")
    skip = exclude.resolve() if exclude is not None else None
    files = sorted(
        p
        for p in target.resolve().rglob("*")
        if p.is_file()
        and is_export(p.name)
        and not any(part.startswith(".") for part in p.relative_to(target.resolve()).parts)
        and (skip is None or not p.is_relative_to(skip))
    )
    return [Input(str(p.resolve()), p.stat().st_size, p.resolve()) for p in files]


def parse_s3(url: str) -> tuple[str, str]:
    rest = url.removeprefix("s3://")
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        raise CostInputError(f"{url}: expected s3://BUCKET/PREFIX")
    return bucket, prefix


class S3Bucket:
    """An S3 bucket's export files under a prefix, fetched one at a time to a temp folder."""

    def __init__(self, url: str, access: S3Access, tmp: Path) -> None:
        from warden.backup.repos.s3 import S3Repository, S3RepositoryConfig

        self.bucket, self.prefix = parse_s3(url)
        cfg: dict[str, Any] = {
            "type": "s3",
            "bucket": self.bucket,
            "region": access.region,
            "endpoint_url": access.endpoint_url,
            "access_key_id": access.access_key_id,
            "secret_access_key": access.secret_access_key,
        }
        self.repo = S3Repository(S3RepositoryConfig.model_validate(cfg))
        self.tmp = tmp

    def inputs(self) -> list[Input]:
        try:
            objects = self.repo.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix
            )
            found = [o for page in objects for o in page.get("Contents", [])]
        except Exception as exc:  # botocore's errors: mapped here, at the boundary
            raise CostInputError(f"s3://{self.bucket}/{self.prefix}: {_why(exc)}") from exc
        return [
            Input(
                f"s3://{self.bucket}/{o['Key']}",
                int(o.get("Size", 0)),
                etag=str(o.get("ETag", "")).strip('"') or None,
                key=o["Key"],
            )
            for o in sorted(found, key=lambda o: o["Key"])
            if is_export(o["Key"])
        ]

    def fetch(self, item: Input) -> Path:
        assert item.key is not None
        target = self.tmp / hashlib.sha256(item.key.encode()).hexdigest()[:16]
        target = target.with_name(target.name + "-" + Path(item.key).name)
        try:
            self.repo.client.download_file(self.bucket, item.key, str(target))
        except Exception as exc:
            raise CostInputError(f"{item.source}: {_why(exc)}") from exc
        item.path = target
        return target

    def close(self) -> None:
        self.repo.close()


def _why(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        err = response.get("Error", {})
        return f"{err.get('Code', '?')} {err.get('Message', '')}".strip()
    return str(exc)


@contextlib.contextmanager
def opened(
    targets: list[str], access: S3Access, exclude: Path | None = None
) -> Iterator[tuple[list[Input], Any]]:
    """Every export file of ``targets`` (paths or s3:// URLs) and a ``fetch(input) -> Path``
    that makes an S3 object local (in a temp folder removed on exit)."""
    with tempfile.TemporaryDirectory(prefix="warden-cost-") as tmp:
        buckets: dict[str, S3Bucket] = {}
        items: list[Input] = []
        owner: dict[str, S3Bucket] = {}
        try:
            for target in targets:
                if target.startswith("s3://"):
                    bucket = buckets.setdefault(target, S3Bucket(target, access, Path(tmp)))
                    for item in bucket.inputs():
                        owner[item.source] = bucket
                        items.append(item)
                else:
                    items += local_inputs(Path(target).expanduser(), exclude)

            def fetch(item: Input) -> Path:
                if item.path is None:
                    return owner[item.source].fetch(item)
                return item.path

            yield items, fetch
        finally:
            for bucket in buckets.values():
                bucket.close()


def gunzip(path: Path, tmp: Path) -> Path:
    """A gzip'd Parquet file decompressed into ``tmp`` (DuckDB reads Parquet unwrapped)."""
    out = tmp / (path.name.removesuffix(".gz") or "export.parquet")
    try:
        with gzip.open(path, "rb") as src, out.open("wb") as dst:
            shutil.copyfileobj(src, dst, _CHUNK)
    except (OSError, EOFError) as exc:
        raise CostInputError(f"{path}: not a gzip file: {exc}") from exc
    return out
