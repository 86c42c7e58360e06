"""What the AWS probes (``s3``, ``sqs``) share: credentials, one boto3 client each, error classes.

boto3 blocks, so every call runs in a worker thread; the client's own connect and read timeouts
are the monitor's timeout and it makes one attempt, no retries, so an abandoned call ends soon
after the check gave up on it. A service's error answer becomes ``AwsError`` with its code.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import Field, field_validator, model_validator

from warden._lazy import lazy_module
from warden.config._types import Secret
from warden.probes._base import ProbeConfig
from warden.results import ErrorClass

if TYPE_CHECKING:
    import boto3
    import botocore.config
    import botocore.exceptions
else:
    boto3 = lazy_module("boto3")
    botocore = lazy_module("botocore", "config", "exceptions")

AUTH_CODES = frozenset(
    {
        "403",
        "AccessDenied",
        "AccessDeniedException",
        "AuthFailure",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidAccessKeyId",
        "InvalidClientTokenId",
        "InvalidSecurity",
        "MissingAuthenticationToken",
        "SignatureDoesNotMatch",
        "UnrecognizedClientException",
    }
)
_XML_FIELD = re.compile(r"<(Code|Message)>([^<]*)</\1>")


class AwsError(Exception):
    """An error answer of an AWS API: ``code`` as the service names it, HTTP ``status``."""

    def __init__(self, operation: str, code: str, message: str, status: int) -> None:
        super().__init__(f"{operation}: {code}" + (f" ({message})" if message else ""))
        self.operation, self.code, self.status = operation, code, status


class AwsConfig(ProbeConfig):
    """Where an AWS (or compatible) API is and which credentials to use."""

    endpoint_url: str | None = Field(None, description="For S3/SQS-compatible servers.")
    region: str = Field("us-east-1", description="AWS region.")
    access_key_id: Secret | None = Field(None, description="Default: the boto3 chain.")
    secret_access_key: Secret | None = Field(None, description="With access_key_id.")
    verify_tls: bool = Field(True, description="Verify the endpoint's certificate.")

    @field_validator("endpoint_url")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @model_validator(mode="after")
    def _key_pair(self) -> AwsConfig:
        if (self.access_key_id is None) != (self.secret_access_key is None):
            raise ValueError("give access_key_id and secret_access_key together")
        return self

    def secrets(self) -> list[str]:
        return [self.secret_access_key.get_secret_value()] if self.secret_access_key else []

    def client(
        self, service: str, timeout: float, endpoint_url: str | None = None, **config: Any
    ) -> Any:
        """A boto3 client for ``service`` (blocking: call it from a thread or ``prepare``)."""
        keys: dict[str, Any] = {}
        if self.access_key_id is not None and self.secret_access_key is not None:
            keys["aws_access_key_id"] = self.access_key_id.get_secret_value()
            keys["aws_secret_access_key"] = self.secret_access_key.get_secret_value()
        session = boto3.session.Session()
        return session.client(
            service,  # type: ignore[call-overload]
            endpoint_url=endpoint_url or self.endpoint_url,
            region_name=self.region,
            verify=self.verify_tls,
            config=botocore.config.Config(
                connect_timeout=timeout,
                read_timeout=timeout,
                retries={"total_max_attempts": 1},
                **config,
            ),
            **keys,
        )


def failures() -> tuple[type[BaseException], ...]:
    """What a call raises when the service fails (``run_check``'s ``failures``)."""
    return (OSError, AwsError, botocore.exceptions.BotoCoreError)


def classify(exc: BaseException, phase: str) -> ErrorClass | None:
    if isinstance(exc, AwsError):
        if exc.code in AUTH_CODES or exc.status in (401, 403):
            return ErrorClass.AUTH
        return ErrorClass.ERROR
    errors = botocore.exceptions
    if isinstance(exc, errors.ConnectTimeoutError | errors.ReadTimeoutError):
        return ErrorClass.TIMEOUT
    if isinstance(exc, errors.NoCredentialsError | errors.PartialCredentialsError):
        return ErrorClass.AUTH
    if isinstance(exc, errors.SSLError):
        return ErrorClass.TLS
    return None  # connection errors: the socket error along the chain says refused, dns...


async def call(method: Callable[..., Any], **kwargs: Any) -> Any:
    """Run ``method(**kwargs)`` in a worker thread; an error answer is raised as AwsError."""
    try:
        return await asyncio.to_thread(method, **kwargs)
    except botocore.exceptions.ClientError as exc:
        raise as_aws_error(exc) from None


def as_aws_error(exc: botocore.exceptions.ClientError) -> AwsError:
    error = exc.response.get("Error", {})
    code, message = str(error.get("Code", "")), str(error.get("Message", ""))
    if message.startswith("<?xml"):  # an XML error body some servers wrap in JSON's Message
        fields = dict(_XML_FIELD.findall(message))
        code, message = fields.get("Code", code), fields.get("Message", "")
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    return AwsError(exc.operation_name, code or str(status), message, status)
