"""A repository in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, ...) through boto3.

Objects larger than one part are sent as a multipart upload that S3 makes visible only when it
is completed, so an interrupted backup never leaves a partial object under its key; small ones
are one ``PutObject``. ``delete_prefix`` also aborts multipart uploads left under the prefix
by a killed backup (configure a bucket lifecycle rule as well to expire forgotten ones).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, field_validator

from warden.backup.repos._base import (
    ObjectMissingError,
    ObjectWriter,
    Repository,
    RepositoryConfig,
    StoredObject,
    check_key,
    register,
)
from warden.backup.sources._base import Readable
from warden.config._types import ByteSize, Secret
from warden.errors import BackupError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_MIN_PART = 5 * 1024 * 1024


class S3RepositoryConfig(RepositoryConfig):
    type: Literal["s3"] = "s3"
    bucket: str = Field(description="Bucket name (must exist).")
    prefix: str = Field("", description="Key prefix inside the bucket, e.g. 'warden/'.")
    endpoint_url: str | None = Field(None, description="For S3-compatible servers.")
    region: str = "us-east-1"
    access_key_id: Secret | None = Field(None, description="Default: the boto3 chain.")
    secret_access_key: Secret | None = None
    addressing_style: Literal["auto", "path", "virtual"] = "auto"
    verify_tls: bool = True
    part_size: ByteSize = Field(16 * 1024 * 1024, description="Multipart part size (>= 5MiB).")
    storage_class: str | None = None

    @field_validator("part_size")
    @classmethod
    def _part(cls, v: int) -> int:
        if v < _MIN_PART:
            raise ValueError("must be at least 5MiB (the S3 minimum part size)")
        return v

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, v: str) -> str:
        v = v.strip("/")
        if v:
            check_key(v)
        return v + "/" if v else ""


def _boto_errors() -> tuple[type[Exception], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


def _error(action: str, exc: Exception) -> BackupError:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        err = response.get("Error", {})
        return BackupError(f"S3 {action} failed: {err.get('Code', '?')} {err.get('Message', '')}")
    return BackupError(f"S3 {action} failed: {exc}")


def _is_missing(exc: Exception) -> bool:
    response = getattr(exc, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    return code in {"NoSuchKey", "404", "NotFound"}


class _S3Writer(ObjectWriter):
    def __init__(self, repo: S3Repository, key: str) -> None:
        self.repo = repo
        self.key = key
        self.buffer = bytearray()
        self.upload_id: str | None = None
        self.parts: list[dict[str, Any]] = []

    def _extra(self) -> dict[str, Any]:
        sc = self.repo.config.storage_class
        return {"StorageClass": sc} if sc else {}

    def _send_part(self, data: bytes) -> None:
        client = self.repo.client
        if self.upload_id is None:
            created = client.create_multipart_upload(
                Bucket=self.repo.config.bucket, Key=self.key, **self._extra()
            )
            self.upload_id = created["UploadId"]
        number = len(self.parts) + 1
        part = client.upload_part(
            Bucket=self.repo.config.bucket,
            Key=self.key,
            UploadId=self.upload_id,
            PartNumber=number,
            Body=data,
        )
        self.parts.append({"ETag": part["ETag"], "PartNumber": number})

    def write(self, data: bytes) -> None:
        self.buffer += data
        size = self.repo.config.part_size
        try:
            while len(self.buffer) >= size:
                self._send_part(bytes(self.buffer[:size]))
                del self.buffer[:size]
        except _boto_errors() as exc:
            raise _error(f"upload of {self.key}", exc) from exc

    def commit(self) -> None:
        client, bucket = self.repo.client, self.repo.config.bucket
        try:
            if self.upload_id is None:
                client.put_object(
                    Bucket=bucket, Key=self.key, Body=bytes(self.buffer), **self._extra()
                )
                return
            if self.buffer:
                self._send_part(bytes(self.buffer))
                self.buffer.clear()
            client.complete_multipart_upload(
                Bucket=bucket,
                Key=self.key,
                UploadId=self.upload_id,
                MultipartUpload={"Parts": self.parts},  # type: ignore[typeddict-item]
            )
        except _boto_errors() as exc:
            raise _error(f"upload of {self.key}", exc) from exc

    def abort(self) -> None:
        if self.upload_id is None:
            return
        try:
            self.repo.client.abort_multipart_upload(
                Bucket=self.repo.config.bucket, Key=self.key, UploadId=self.upload_id
            )
        except _boto_errors():
            pass  # best effort: delete_prefix aborts leftover uploads later


class _Body:
    def __init__(self, body: Any) -> None:
        self.body = body

    def read(self, size: int = -1, /) -> bytes:
        data: bytes = self.body.read(None if size < 0 else size)
        return data


@register
class S3Repository(Repository[S3RepositoryConfig]):
    type = "s3"
    config_model = S3RepositoryConfig

    @cached_property
    def client(self) -> S3Client:
        import boto3
        from botocore.config import Config

        cfg = self.config
        kwargs: dict[str, Any] = {}
        if cfg.access_key_id is not None and cfg.secret_access_key is not None:
            kwargs["aws_access_key_id"] = cfg.access_key_id.get_secret_value()
            kwargs["aws_secret_access_key"] = cfg.secret_access_key.get_secret_value()
        session = boto3.session.Session()
        client: S3Client = session.client(
            "s3",
            endpoint_url=cfg.endpoint_url,
            region_name=cfg.region,
            verify=cfg.verify_tls,
            config=Config(
                s3={"addressing_style": cfg.addressing_style},
                retries={"max_attempts": 5, "mode": "standard"},
                connect_timeout=15,
                read_timeout=120,
            ),
            **kwargs,
        )
        return client

    def describe(self) -> str:
        where = f" at {self.config.endpoint_url}" if self.config.endpoint_url else ""
        return f"s3://{self.config.bucket}/{self.config.prefix}{where}"

    def _key(self, key: str) -> str:
        return self.config.prefix + check_key(key)

    def open_writer(self, key: str) -> ObjectWriter:
        return _S3Writer(self, self._key(key))

    @contextmanager
    def open_reader(self, key: str) -> Iterator[Readable]:
        try:
            obj = self.client.get_object(Bucket=self.config.bucket, Key=self._key(key))
        except _boto_errors() as exc:
            if _is_missing(exc):
                raise ObjectMissingError(f"{key} is missing from {self.describe()}") from None
            raise _error(f"read of {key}", exc) from exc
        body = obj["Body"]
        try:
            yield _Body(body)
        finally:
            body.close()

    def list(self, prefix: str) -> list[StoredObject]:
        out = []
        strip = len(self.config.prefix)
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.config.bucket, Prefix=self.config.prefix + prefix
            )
            for page in pages:
                for item in page.get("Contents", []):
                    out.append(StoredObject(item["Key"][strip:], int(item.get("Size", 0))))
        except _boto_errors() as exc:
            raise _error(f"listing of {prefix}", exc) from exc
        return sorted(out, key=lambda o: o.key)

    def delete_prefix(self, prefix: str) -> int:
        if not prefix.endswith("/"):
            raise BackupError("delete_prefix takes a directory prefix ending in '/'")
        check_key(prefix.rstrip("/"))
        keys = [self.config.prefix + o.key for o in self.list(prefix)]
        bucket = self.config.bucket
        try:
            for i in range(0, len(keys), 1000):
                batch = [{"Key": k} for k in keys[i : i + 1000]]
                self.client.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})  # type: ignore[typeddict-item]
            uploads = self.client.list_multipart_uploads(
                Bucket=bucket, Prefix=self.config.prefix + prefix
            )
            for up in uploads.get("Uploads", []):
                self.client.abort_multipart_upload(
                    Bucket=bucket, Key=up["Key"], UploadId=up["UploadId"]
                )
        except _boto_errors() as exc:
            raise _error(f"delete of {prefix}", exc) from exc
        return len(keys)

    def close(self) -> None:
        if "client" in self.__dict__:
            self.client.close()
