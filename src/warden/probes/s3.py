"""The ``s3`` probe: the bucket answers, a probe object round-trips, and its safety settings.

Phases ``bucket`` (HeadBucket), ``put``, ``get`` and ``delete`` of a small object under
``prefix`` (with ``round_trip``), and ``settings``: default encryption, versioning, the bucket's
public access block, its ACL and whether its policy is public (with ``settings``). Metrics
``roundtrip_seconds`` and, where readable, ``encrypted``, ``versioned``,
``public_access_blocked`` and ``public`` (0 or 1). A missing bucket or an object not read back
is ``assertion``; refused credentials are ``auth``; a setting that ``expect`` requires and that
is off is ``assertion`` (``auth`` when it cannot be read).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import secrets
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from warden.config._base import ConfigModel
from warden.probes._aws import AwsConfig, AwsError, call, classify, failures
from warden.probes._base import Probe, register
from warden.probes._net import Stopwatch, Verdict, down, run_check, up
from warden.results import CheckResult, ErrorClass

_PUBLIC_GROUPS = ("/global/AllUsers", "/global/AuthenticatedUsers")
_BLOCK_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")


class S3Expect(ConfigModel):
    """Settings the bucket must have; each one given is checked."""

    encrypted: bool | None = Field(None, description="Default encryption is on.")
    versioned: bool | None = Field(None, description="Versioning is enabled.")
    public: bool | None = Field(None, description="false: no public access (ACL or policy).")


class S3Config(AwsConfig):
    bucket: str = Field(description="Bucket name.")
    prefix: str = Field("warden-probe/", description="Key prefix of the probe object.")
    addressing_style: Literal["auto", "path", "virtual"] = "auto"
    round_trip: bool = Field(True, description="Put, get and delete a probe object.")
    settings: bool = Field(True, description="Read encryption, versioning and public access.")
    expect: S3Expect | None = Field(None, description="Settings the bucket must have.")

    @field_validator("bucket")
    @classmethod
    def _bucket(cls, value: str) -> str:
        if not _BUCKET_RE.match(value):
            raise ValueError("is not a valid bucket name")
        return value

    @model_validator(mode="after")
    def _expect_needs_settings(self) -> S3Config:
        if self.expect is not None and not self.settings:
            raise ValueError("expect needs settings: true")
        return self

    def target(self) -> str:
        where = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"s3://{self.bucket}/{self.prefix}{where}"


@dataclass
class Settings:
    """What was read of the bucket's settings; None where it could not be read."""

    encryption: str | None = None  # "AES256", "aws:kms", "" when off
    versioned: bool | None = None
    blocked: bool | None = None
    public: bool | None = None
    unreadable: dict[str, str] | None = None  # setting -> error code

    def metrics(self) -> dict[str, float]:
        values = {
            "encrypted": None if self.encryption is None else bool(self.encryption),
            "versioned": self.versioned,
            "public_access_blocked": self.blocked,
            "public": self.public,
        }
        return {k: float(v) for k, v in values.items() if v is not None}

    def describe(self) -> str:
        encryption = {None: "unknown", "": "off"}.get(self.encryption, self.encryption)
        versioning = {None: "unknown", True: "on", False: "off"}[self.versioned]
        public = {None: "unknown", True: "PUBLIC", False: "not public"}[self.public]
        blocked = ", public access blocked" if self.blocked else ""
        return f"encryption {encryption}, versioning {versioning}, {public}{blocked}"


async def _read(method: Any, missing: str, notes: dict[str, str], what: str, **kw: Any) -> Any:
    """``method(**kw)``; None when the setting does not exist (error ``missing``), and
    ``...`` (noted in ``notes``) when it cannot be read."""
    try:
        return await call(method, **kw)
    except AwsError as exc:
        if exc.code == missing:
            return None
        notes[what] = exc.code
        return ...


async def read_settings(client: Any, bucket: str) -> Settings:
    """Encryption, versioning and public access of ``bucket``, each read on its own."""
    notes: dict[str, str] = {}
    enc = await _read(
        client.get_bucket_encryption,
        "ServerSideEncryptionConfigurationNotFoundError",
        notes,
        "encryption",
        Bucket=bucket,
    )
    ver = await _read(client.get_bucket_versioning, "", notes, "versioning", Bucket=bucket)
    block = await _read(
        client.get_public_access_block,
        "NoSuchPublicAccessBlockConfiguration",
        notes,
        "public access block",
        Bucket=bucket,
    )
    acl = await _read(client.get_bucket_acl, "", notes, "acl", Bucket=bucket)
    policy = await _read(
        client.get_bucket_policy_status, "NoSuchBucketPolicy", notes, "policy", Bucket=bucket
    )
    s = Settings(unreadable=notes)
    if enc is not ...:
        rules = (enc or {}).get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
        algorithms = [
            r.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm") for r in rules
        ]
        s.encryption = ", ".join(a for a in algorithms if a)
    if ver is not ...:
        s.versioned = (ver or {}).get("Status") == "Enabled"
    flags: dict[str, bool] = {}
    if block is not ...:
        flags = (block or {}).get("PublicAccessBlockConfiguration", {})
        s.blocked = all(flags.get(k) for k in _BLOCK_FLAGS)
    if s.blocked:
        s.public = False
    elif acl is not ... and policy is not ... and block is not ...:
        grants = (acl or {}).get("Grants", [])
        acl_public = any(
            str(g.get("Grantee", {}).get("URI", "")).endswith(_PUBLIC_GROUPS) for g in grants
        )
        policy_public = bool((policy or {}).get("PolicyStatus", {}).get("IsPublic"))
        s.public = (acl_public and not flags.get("IgnorePublicAcls")) or (
            policy_public and not flags.get("RestrictPublicBuckets")
        )
    return s


def expectation_failure(expect: S3Expect, s: Settings) -> Verdict | None:
    """A DOWN verdict when a setting ``expect`` requires is off or unreadable."""
    notes = s.unreadable or {}
    wanted = (
        ("encryption", expect.encrypted, None if s.encryption is None else bool(s.encryption)),
        ("versioning", expect.versioned, s.versioned),
        ("public access", expect.public, s.public),
    )
    for name, want, have in wanted:
        if want is None:
            continue
        if have is None:
            why = ", ".join(f"{k}: {v}" for k, v in notes.items()) or "not readable"
            return down(ErrorClass.AUTH, f"cannot read the bucket's {name} ({why})")
        if have != want:
            state = "on" if have else "off"
            return down(ErrorClass.ASSERTION, f"{name} is {state}; {s.describe()}")
    return None


@register
class S3Probe(Probe[S3Config]):
    type = "s3"
    config_model = S3Config

    def prepare(self) -> None:
        super().prepare()
        _ = self._client  # building a client reads its service model: not in a timed check

    async def close(self) -> None:
        if "_client" in self.__dict__:
            self._client.close()

    @functools.cached_property
    def _client(self) -> Any:
        cfg = self.config
        return cfg.client("s3", self.timeout, s3={"addressing_style": cfg.addressing_style})

    async def check(self) -> CheckResult:
        return await run_check(
            self, self._run, failures=failures(), classify=classify, secrets=self.config.secrets()
        )

    async def _run(self, watch: Stopwatch) -> Verdict:
        cfg = self.config
        client = await asyncio.to_thread(lambda: self._client)
        with watch.phase("bucket"):
            try:
                await call(client.head_bucket, Bucket=cfg.bucket)
            except AwsError as exc:
                if exc.code in ("404", "NoSuchBucket"):
                    return down(ErrorClass.ASSERTION, f"bucket {cfg.bucket!r} does not exist")
                raise
        metrics: dict[str, float] = {}
        done = [f"bucket {cfg.bucket!r} reachable"]
        if cfg.round_trip:
            problem = await self._round_trip(client, watch, metrics)
            if problem:
                return down(ErrorClass.ASSERTION, problem, metrics)
            done.append("probe object put, read back and deleted")
        if not cfg.settings:
            return up("; ".join(done), metrics)
        with watch.phase("settings"):
            settings = await read_settings(client, cfg.bucket)
        metrics |= settings.metrics()
        if cfg.expect is not None and (failed := expectation_failure(cfg.expect, settings)):
            return down(failed.error, failed.message, metrics)
        return up("; ".join([*done, settings.describe()]), metrics)

    async def _round_trip(self, client: Any, watch: Stopwatch, metrics: dict[str, float]) -> str:
        cfg = self.config
        key = f"{cfg.prefix}{secrets.token_hex(8)}"
        body = secrets.token_hex(16).encode()
        clock = self.deps.clock
        sent = clock.monotonic()
        with watch.phase("put"):
            await call(client.put_object, Bucket=cfg.bucket, Key=key, Body=body)
        try:
            with watch.phase("get"):
                reply = await call(client.get_object, Bucket=cfg.bucket, Key=key)
                got = await asyncio.to_thread(reply["Body"].read)
            metrics["roundtrip_seconds"] = clock.monotonic() - sent
        except BaseException:
            with contextlib.suppress(Exception):
                await call(client.delete_object, Bucket=cfg.bucket, Key=key)
            raise
        with watch.phase("delete"):
            await call(client.delete_object, Bucket=cfg.bucket, Key=key)
        return "" if got == body else f"the probe object {key} read back different bytes"
