"""The s3 probe against moto's server on loopback, with IAM enforced (signed requests only)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pydantic
import pytest

from tests.conftest import free_port
from tests.probes._servers import Moto, moto_server
from warden.probes import ProbeDeps
from warden.probes.s3 import S3Config, S3Probe, Settings
from warden.results import CheckResult, ErrorClass, Status

PLAIN, SECURED, PUBLIC = "warden-plain", "warden-secured", "warden-public"


@pytest.fixture(scope="module")
def moto() -> Iterator[Moto]:
    with moto_server() as m:
        s3 = boto3.client(
            "s3",
            endpoint_url=m.endpoint,
            region_name="us-east-1",
            aws_access_key_id=m.key[0],
            aws_secret_access_key=m.key[1],
        )
        for bucket in (PLAIN, SECURED, PUBLIC):
            s3.create_bucket(Bucket=bucket)
        s3.put_bucket_encryption(
            Bucket=SECURED,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
            },
        )
        s3.put_bucket_versioning(Bucket=SECURED, VersioningConfiguration={"Status": "Enabled"})
        s3.put_public_access_block(
            Bucket=SECURED,
            PublicAccessBlockConfiguration=dict.fromkeys(
                (
                    "BlockPublicAcls",
                    "IgnorePublicAcls",
                    "BlockPublicPolicy",
                    "RestrictPublicBuckets",
                ),
                True,
            ),
        )
        s3.put_bucket_acl(Bucket=PUBLIC, ACL="public-read")
        s3.close()
        yield m


async def run(moto: Moto, config: dict[str, Any], timeout: float = 10.0) -> CheckResult:
    cfg = S3Config.model_validate({"endpoint_url": moto.endpoint, **moto.credentials(), **config})
    probe = S3Probe("bucket", cfg, timeout, ProbeDeps())
    probe.prepare()
    try:
        return await probe.check()
    finally:
        await probe.close()


def objects(moto: Moto, bucket: str) -> list[str]:
    s3 = boto3.client(
        "s3",
        endpoint_url=moto.endpoint,
        region_name="us-east-1",
        aws_access_key_id=moto.key[0],
        aws_secret_access_key=moto.key[1],
    )
    try:
        return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    finally:
        s3.close()


@pytest.mark.integration
@pytest.mark.parametrize(
    ("bucket", "settings", "status", "error", "needle"),
    [
        (PLAIN, {}, Status.UP, "", "encryption off, versioning off, not public"),
        (SECURED, {}, Status.UP, "", "encryption aws:kms, versioning on, not public, public acc"),
        (PUBLIC, {}, Status.UP, "", "PUBLIC"),
        (SECURED, {"expect": {"encrypted": True, "versioned": True, "public": False}},
         Status.UP, "", "probe object put, read back and deleted"),
        (PLAIN, {"expect": {"encrypted": True}}, Status.DOWN, "assertion", "encryption is off"),
        (PLAIN, {"expect": {"versioned": True}}, Status.DOWN, "assertion", "versioning is off"),
        (PUBLIC, {"expect": {"public": False}}, Status.DOWN, "assertion", "public access is on"),
        (PLAIN, {"round_trip": False, "settings": False}, Status.UP, "", "reachable"),
        ("warden-missing", {}, Status.DOWN, "assertion", "does not exist"),
    ],
)  # fmt: skip
async def test_buckets(
    moto: Moto, bucket: str, settings: dict[str, Any], status: Status, error: str, needle: str
) -> None:
    result = await run(moto, {"bucket": bucket, **settings})
    assert result.status is status, result.message
    assert result.error == error
    assert needle in result.message
    assert "bucket" in result.phases
    if status is Status.UP and settings.get("round_trip", True):
        assert {"put", "get", "delete", "settings"} <= set(result.phases)
        assert result.metrics["roundtrip_seconds"] >= 0
        assert objects(moto, bucket) == []  # the probe object is gone


@pytest.mark.integration
async def test_settings_metrics(moto: Moto) -> None:
    secured = await run(moto, {"bucket": SECURED})
    assert secured.metrics | {"roundtrip_seconds": 0} == {
        "encrypted": 1.0,
        "versioned": 1.0,
        "public_access_blocked": 1.0,
        "public": 0.0,
        "roundtrip_seconds": 0,
    }
    public = await run(moto, {"bucket": PUBLIC, "round_trip": False})
    assert public.metrics == {
        "encrypted": 0.0,
        "versioned": 0.0,
        "public_access_blocked": 0.0,
        "public": 1.0,
    }


@pytest.mark.integration
@pytest.mark.parametrize(
    ("key", "needle"),
    [
        ("wrong-secret", "HeadBucket: 403"),  # HEAD answers carry no error code
        ("unknown-key", "403"),
        ("reader", "403"),  # may read objects, not HeadBucket
    ],
)
async def test_refused_credentials(moto: Moto, key: str, needle: str) -> None:
    creds = {
        "wrong-secret": (moto.key[0], "not-the-secret"),
        "unknown-key": ("AKIAWARDENUNKNOWN", "x"),
        "reader": moto.reader,
    }[key]
    result = await run(moto, {"bucket": PLAIN, **moto.credentials(creds)})
    assert result.status is Status.DOWN
    assert result.error is ErrorClass.AUTH, result.message
    assert needle in result.message
    assert moto.key[1] not in result.message


async def test_refused_endpoint() -> None:
    cfg = S3Config.model_validate(
        {"bucket": PLAIN, "endpoint_url": f"http://127.0.0.1:{free_port()}",
         "access_key_id": "a", "secret_access_key": "b"}
    )  # fmt: skip
    probe = S3Probe("bucket", cfg, 5.0, ProbeDeps())
    result = await probe.check()
    await probe.close()
    assert result.error is ErrorClass.REFUSED, result.message


def test_unreadable_settings_are_unknown() -> None:
    s = Settings(encryption="AES256", versioned=None, blocked=False, public=None)
    assert s.metrics() == {"encrypted": 1.0, "public_access_blocked": 0.0}
    assert s.describe() == "encryption AES256, versioning unknown, unknown"


@pytest.mark.parametrize(
    ("config", "complaint"),
    [
        ({"bucket": "Bad_Bucket"}, "not a valid bucket name"),
        ({"bucket": "ok-bucket", "access_key_id": "a"}, "together"),
        ({"bucket": "ok-bucket", "endpoint_url": "s3.local"}, "http:// or https://"),
        ({"bucket": "ok-bucket", "settings": False, "expect": {"encrypted": True}}, "settings"),
    ],
)
def test_config_errors(config: dict[str, Any], complaint: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=complaint):
        S3Config.model_validate(config)


def test_target_and_secrets() -> None:
    cfg = S3Config.model_validate(
        {"bucket": "b-1", "endpoint_url": "http://minio:9000", "access_key_id": "AK",
         "secret_access_key": "sk-secret"}
    )  # fmt: skip
    assert cfg.target() == "s3://b-1/warden-probe/ at http://minio:9000"
    assert cfg.secrets() == ["sk-secret"]
    assert "sk-secret" not in repr(cfg)
