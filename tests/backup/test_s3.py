"""The S3 repository against moto's server on loopback: atomic multipart uploads, listing, prune."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import boto3
import pytest

from tests.backup.conftest import KEY_ENV
from warden.backup.config import BackupConfig
from warden.backup.manifest import list_backups
from warden.backup.repos import open_repository
from warden.backup.repos.s3 import S3Repository, S3RepositoryConfig
from warden.backup.restore import restore_once, verify_backups
from warden.backup.runner import backup_once
from warden.errors import BackupError

CREDS = {"access_key_id": "testing", "secret_access_key": "testing"}


@pytest.fixture
def bucket(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    name = f"warden-test-{secrets.token_hex(4)}"
    client = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=name)
    client.close()
    return name


def repo_config(endpoint: str, bucket: str, **extra: object) -> dict[str, object]:
    return {"type": "s3", "bucket": bucket, "endpoint_url": endpoint, "prefix": "warden/",
            "part_size": "5MiB", **CREDS, **extra}  # fmt: skip


def test_round_trip_through_s3(
    tmp_path: Path, moto_endpoint: str, bucket: str, key_env: dict[str, str]
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "big.bin").write_bytes(os.urandom(12 << 20))  # incompressible: three parts
    (src / "small.txt").write_text("hello")
    cfg = BackupConfig.model_validate({
        "name": "files", "key_env": KEY_ENV,
        "source": {"type": "files", "path": str(src)},
        "repository": repo_config(moto_endpoint, bucket),
        "retention": {"keep_last": 1},
    })  # fmt: skip
    first = backup_once(cfg)
    assert first.ok, first.error
    assert first.repository == f"s3://{bucket}/warden/ at {moto_endpoint}"
    assert backup_once(cfg).ok
    assert all(r.ok for r in verify_backups(cfg, every=True, full=True))
    restore_once(cfg, str(tmp_path / "out"))
    assert (tmp_path / "out/big.bin").read_bytes() == (src / "big.bin").read_bytes()

    repo = open_repository(cfg.repository)
    keys = [o.key for o in repo.list("backups/files/")]
    assert all(k.startswith("backups/files/") for k in keys)
    assert sum(k.endswith("manifest.json") for k in keys) == 2
    entries = list_backups(repo, "files")
    repo.delete_prefix(f"backups/files/{entries[0].id}/")
    assert [e.id for e in list_backups(repo, "files")] == [entries[1].id]


def test_an_aborted_upload_never_appears(moto_endpoint: str, bucket: str) -> None:
    repo = S3Repository(S3RepositoryConfig.model_validate(repo_config(moto_endpoint, bucket)))
    writer = repo.open_writer("backups/x/1/objects/000-a")
    writer.write(os.urandom(6 << 20))  # one part sent: a multipart upload is open
    assert repo.list("backups/") == []
    writer.abort()
    assert repo.list("backups/") == []
    uploads = repo.client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    assert uploads == []

    left = repo.open_writer("backups/x/2/objects/000-a")
    left.write(os.urandom(6 << 20))  # as if the process died here
    assert repo.client.list_multipart_uploads(Bucket=bucket).get("Uploads")
    repo.delete_prefix("backups/x/2/")
    assert repo.client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_errors_are_backup_errors(moto_endpoint: str, bucket: str) -> None:
    repo = S3Repository(
        S3RepositoryConfig.model_validate(repo_config(moto_endpoint, "missing-bucket"))
    )
    with pytest.raises(BackupError, match="S3 listing of backups/ failed: NoSuchBucket"):
        repo.list("backups/")
    repo = S3Repository(S3RepositoryConfig.model_validate(repo_config(moto_endpoint, bucket)))
    with pytest.raises(BackupError, match="is missing from s3://"):
        repo.get_bytes("backups/nothing/here")
