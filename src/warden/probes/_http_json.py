"""One GET of a JSON document with the ``http`` probe's client, for probes of HTTP APIs.

The search probes (``elasticsearch``, ``opensearch``) and ``vault`` read one JSON answer; they
share the base URL setting, TLS trust, the phases ``dns``, ``connect``, ``tls``, ``ttfb`` and
``transfer`` and the mapping of a failed request to an error class.
"""

from __future__ import annotations

import base64
import json
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httptools
from pydantic import Field, field_validator, model_validator

from warden import __version__
from warden.config._types import Secret
from warden.engine.clock import Clock
from warden.probes._base import ProbeConfig
from warden.probes._http_client import BadResponse, Timing, decode_body, fetch
from warden.probes._http_request import build_request, client_ssl_context, parse_target
from warden.probes._net import Stopwatch
from warden.results import ErrorClass

MAX_BODY = 4 * 1024 * 1024
FAILURES: tuple[type[BaseException], ...] = (OSError, BadResponse, httptools.HttpParserError)
"""What a request raises when the service fails (``run_check``'s ``failures``)."""


class JsonApiConfig(ProbeConfig):
    """An HTTP(S) API reached at a base URL."""

    url: str = Field(description="Base URL, e.g. https://search.internal:9200")
    verify: bool = Field(True, description="Verify the server certificate (https).")
    ca_file: Path | None = Field(None, description="CA bundle for https (default system).")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        parse_target(value)  # raises ValueError with a message fit for the config error
        return value.strip().rstrip("/")

    def target(self) -> str:
        return self.url

    def auth_headers(self) -> list[tuple[str, str]]:
        """Request headers carrying the credentials (none by default)."""
        return []

    def secrets(self) -> list[str]:
        """Texts that must never appear in a message."""
        return []

    def tls_context(self) -> ssl.SSLContext:
        return client_ssl_context(self.verify, self.ca_file)


class BasicAuthConfig(JsonApiConfig):
    """A JSON API with optional HTTP Basic credentials."""

    username: str | None = Field(None, description="HTTP Basic user name.")
    password: Secret | None = Field(None, description="HTTP Basic password (or password_file).")

    @model_validator(mode="after")
    def _pair(self) -> BasicAuthConfig:
        if (self.username is None) != (self.password is None):
            raise ValueError("give username and password together")
        return self

    def auth_headers(self) -> list[tuple[str, str]]:
        if self.username is None or self.password is None:
            return []
        pair = f"{self.username}:{self.password.get_secret_value()}".encode()
        return [("Authorization", "Basic " + base64.b64encode(pair).decode())]

    def secrets(self) -> list[str]:
        return [self.password.get_secret_value()] if self.password else []


@dataclass(frozen=True, slots=True)
class JsonReply:
    status: int
    body: Any
    """The parsed JSON, or None when the body is not JSON."""
    text: str


async def get_json(
    url: str,
    headers: list[tuple[str, str]],
    watch: Stopwatch,
    clock: Clock,
    tls: ssl.SSLContext | None,
) -> JsonReply:
    """GET ``url`` on a fresh connection; phases are added to ``watch`` as they pass."""
    target = parse_target(url)
    request = build_request(
        "GET", target, [("Accept", "application/json"), *headers], None, f"warden/{__version__}"
    )
    timing = Timing(clock.monotonic)
    try:
        response = await fetch(
            target,
            request,
            timing,
            tls_context=tls if target.tls else None,
            head=False,
            keep_body=True,
            max_body=MAX_BODY,
        )
    finally:
        for name, seconds in timing.phases.items():
            watch.phases[name] = watch.phases.get(name, 0.0) + seconds
        watch.current = timing.phase  # the phase a timeout or failure interrupted
    raw = decode_body(response.body, response.header(b"content-encoding"), MAX_BODY)
    text = raw.decode("utf-8", "replace")
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    return JsonReply(response.status, body, text)


def status_error(status: int) -> ErrorClass:
    """The class of an unexpected HTTP status: ``auth`` for 401 and 403."""
    return ErrorClass.AUTH if status in (401, 403) else ErrorClass.HTTP_STATUS


def classify(exc: BaseException, phase: str) -> ErrorClass | None:
    if isinstance(exc, BadResponse | httptools.HttpParserError):
        return ErrorClass.PROTOCOL
    return None


def error_reason(body: Any) -> str:
    """The ``error.reason`` (or ``errors``) of a JSON error answer, else ""."""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            return str(error.get("reason") or error.get("type") or "")
        if isinstance(error, str):
            return error
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            return "; ".join(str(e) for e in errors)
    return ""
