"""Ingest: CSV and Parquet, gzip'd or not, FOCUS 1.0 to 1.3, from a folder or S3; re-ingesting
never doubles the spend; a new version of a file replaces the old; bad rows are reported as
file:row:column and only skipped with skip_bad."""

from __future__ import annotations

import gzip
import secrets
import shutil
from pathlib import Path

import boto3
import pytest

from tests.cost.conftest import config
from warden.cost import lake
from warden.cost.errors import CostInputError
from warden.cost.ingest import ingest
from warden.cost.lake import Lines


def _csv_lines(exports: Path) -> list[str]:
    with gzip.open(exports / "csv" / "focus.csv.gz", "rt") as f:
        return f.read().splitlines()


def total(root: Path) -> float:
    with Lines(root) as lines:
        return float(lines.rows("SELECT sum(effective_cost) FROM lines")[0][0] or 0.0)


def test_parquet_and_csv_give_the_same_lines(exports: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    got = ingest([str(exports / "focus.parquet")], config(), a)
    ingest([str(exports / "csv")], config(), b)
    assert got["files"][0]["status"] == "ingested"
    assert got["files"][0]["focus_version"] == "1.2"
    assert got["files"][0]["first_day"] == "2025-01-01"
    assert got["files"][0]["last_day"] == "2025-04-30"
    assert got["rows_ingested"] > 3000
    assert total(a) == pytest.approx(total(b))
    with Lines(a) as lines:
        svc, tags = lines.rows(
            "SELECT service, tags FROM lines WHERE resource_name = 'web-1' LIMIT 1"
        )[0]
    assert svc == "Amazon Elastic Compute Cloud"
    assert '"team":"shop"' in tags


def test_reingest_is_skipped_and_never_doubles(exports: Path, tmp_path: Path) -> None:
    root = tmp_path / "lake"
    ingest([str(exports / "focus.parquet")], config(), root)
    before = total(root)
    again = ingest([str(exports)], config(), root)  # the same file plus the others
    statuses = {
        Path(f["source"]).parent.name + "/" + Path(f["source"]).name: f["status"]
        for f in again["files"]
    }
    assert statuses[f"{exports.name}/focus.parquet"] == "unchanged"
    copy = tmp_path / "copy.parquet"
    shutil.copy(exports / "focus.parquet", copy)  # same content elsewhere: the hash knows it
    assert ingest([str(copy)], config(), root)["files"][0]["status"] == "unchanged"
    assert total(root) == pytest.approx(before + 3 * before)  # csv, 1.0 and 1.3 versions


def test_a_new_version_of_a_file_replaces_the_old(exports: Path, tmp_path: Path) -> None:
    src = tmp_path / "export.csv"
    full = _csv_lines(exports)
    src.write_text("\n".join(full[:1001]) + "\n")
    root = tmp_path / "lake"
    ingest([str(src)], config(), root)
    first = total(root)
    src.write_text("\n".join(full) + "\n")  # the provider rewrote the export
    got = ingest([str(src)], config(), root)
    assert got["files"][0]["status"] == "replaced"
    assert total(root) > first
    manifest = lake.read_manifest(root)
    assert len(manifest.files) == 1
    assert len(list((root / "lines").glob("*.parquet"))) == 1  # the old lines are gone
    assert len(list((root / "rollups").glob("*.parquet"))) == 2


def test_focus_versions(exports: Path, tmp_path: Path) -> None:
    got = ingest([str(exports / "v10"), str(exports / "v13")], config(), tmp_path / "lake")
    assert sorted(f["focus_version"] for f in got["files"]) == ["1.0", "1.3"]
    with Lines(tmp_path / "lake") as lines:
        providers = {r[0] for r in lines.rows("SELECT DISTINCT provider FROM lines")}
    assert providers == {"Amazon Web Services", "Google Cloud", "Microsoft"}


def _bad_csv(exports: Path, path: Path) -> None:
    rows = _csv_lines(exports)[:6]
    head = rows[0].split(",")
    third = rows[3].split(",")
    third[head.index('"BilledCost"')] = "abc"
    rows[3] = ",".join(third)
    rows[5] = rows[5].replace('"Usage"', '"Usag"', 1)
    path.write_text("\n".join(rows) + "\n")


def test_bad_rows_stop_the_ingest_unless_skipped(exports: Path, tmp_path: Path) -> None:
    src = tmp_path / "in" / "bad.csv"
    src.parent.mkdir()
    _bad_csv(exports, src)
    root = tmp_path / "lake"
    with pytest.raises(CostInputError) as caught:
        ingest([str(src.parent)], config(), root)
    assert caught.value.problems == [
        "bad.csv:4:BilledCost: 'abc' is not a number",
        "bad.csv:6:ChargeCategory: 'Usag' is not one of Usage, Purchase, Tax, Credit, Adjustment",
    ]
    assert lake.read_manifest(root).files == []  # nothing changed
    got = ingest([str(src.parent)], config(), root, skip_bad=True)
    assert got["files"][0]["rows"] == 3
    assert got["files"][0]["skipped"] == 2
    assert len(got["bad_rows"]) == 2


def test_not_a_focus_file(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    with pytest.raises(CostInputError, match="missing BilledCost, EffectiveCost"):
        ingest([str(tmp_path / "x.csv")], config(), tmp_path / "lake")
    with pytest.raises(CostInputError, match="no such file"):
        ingest([str(tmp_path / "nope")], config(), tmp_path / "lake")


def test_ingest_from_s3(
    exports: Path, moto_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    bucket = f"bills-{secrets.token_hex(4)}"
    client = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=bucket)
    key = "focus/BILLING_PERIOD=2025-01/focus-00001.csv.gz"
    client.upload_file(str(exports / "csv" / "focus.csv.gz"), bucket, key)
    client.put_object(Bucket=bucket, Key="focus/manifest.json", Body=b"{}")
    client.close()
    cfg = config(
        s3={
            "endpoint_url": moto_endpoint,
            "access_key_id": "testing",
            "secret_access_key": "testing",
        }
    )
    root = tmp_path / "lake"
    got = ingest([f"s3://{bucket}/focus/"], cfg, root)
    assert [(f["source"], f["status"]) for f in got["files"]] == [
        (f"s3://{bucket}/{key}", "ingested")
    ]
    again = ingest([f"s3://{bucket}/focus/"], cfg, root)  # same ETag: not even downloaded
    assert again["files"][0]["status"] == "unchanged"
    with pytest.raises(CostInputError, match="NoSuchBucket"):
        ingest([f"s3://{bucket}-missing/x"], cfg, root)
