"""Settings of the ``http`` probe: the request, TLS trust, and what a response must meet.

Everything that can be checked is checked when the config loads: the URL, the method, header
names and values, status specs (``200``, ``"200-299"``, ``"2xx"``), regular expressions (compiled
here, once) and JSON paths, so a running check never meets a bad setting.
"""

from __future__ import annotations

import re
import ssl
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from warden.config._base import ConfigModel
from warden.config._types import ByteSize, Duration, OneOrList, Secret, as_list, redact_url
from warden.probes._base import ProbeConfig
from warden.probes._http_expect import parse_json_path, status_range
from warden.probes._http_request import client_ssl_context, parse_target

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_TOKEN_RE = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_SET_BY_WARDEN = ("content-length", "transfer-encoding", "connection")


def _compile(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return re.compile(value)
        except re.error as exc:
            raise ValueError(f"{value!r} is not a valid regular expression: {exc}") from None
    return value


Regex = Annotated[re.Pattern[str], BeforeValidator(_compile)]
"""A regular expression, compiled when the config loads; a bad one is a config error."""


class BasicAuth(ConfigModel):
    """HTTP Basic credentials; ``password`` may be given as ``password_file``."""

    model_config = ConfigDict(hide_input_in_errors=True)  # the input holds the password

    username: str
    password: Secret


class JsonCheck(ConfigModel):
    """One test of a value in a JSON body: exactly one of ``equals``, ``contains``, ``exists``."""

    path: str = Field(description="JSONPath subset: $, .name, [index], ['key'] (e.g. $.a.b[0]).")
    equals: JsonValue = Field(None, description="The value must equal this JSON value.")
    contains: JsonValue = Field(
        None, description="A substring of a string, an element of a list or a key of an object."
    )
    exists: bool | None = Field(None, description="true: the path must exist; false: must not.")
    _steps: tuple[str | int, ...] = PrivateAttr(default=())

    @field_validator("path")
    @classmethod
    def _path(cls, v: str) -> str:
        parse_json_path(v)
        return v

    @model_validator(mode="after")
    def _one_test(self) -> JsonCheck:
        given = [op for op in ("equals", "contains", "exists") if op in self.model_fields_set]
        if len(given) != 1:
            raise ValueError(f"give exactly one of equals, contains, exists (got {len(given)})")
        self._steps = parse_json_path(self.path)
        return self

    @model_serializer(mode="wrap")
    def _only_the_test(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Dump ``path`` and the one test given, so a dump loads back to the same check."""
        data: dict[str, Any] = handler(self)
        keep = ("path", self.op)
        return {k: v for k, v in data.items() if k in keep}

    @property
    def op(self) -> str:
        return next(op for op in ("equals", "contains", "exists") if op in self.model_fields_set)

    @property
    def expected(self) -> Any:
        return getattr(self, self.op)

    @property
    def steps(self) -> tuple[str | int, ...]:
        return self._steps


class Expect(ConfigModel):
    """What a response must meet. Status and content failures are DOWN; slowness is DEGRADED."""

    status: OneOrList[int | str] = Field(
        default_factory=lambda: list[int | str](["200-399"]),
        description='Allowed codes and ranges: 200, "200-299", "2xx" (default 200-399).',
    )
    body_contains: OneOrList[str] = Field(
        default_factory=list, description="Substrings the body must contain (all of them)."
    )
    body_regex: Regex | None = Field(None, description="A regex the body must match (search).")
    json_checks: list[JsonCheck] = Field(
        default_factory=list, alias="json", description="Tests of values in a JSON body."
    )
    headers: dict[str, Regex] = Field(
        default_factory=dict, description="Response header name -> regex its value must match."
    )
    max_latency: Duration | None = Field(
        None, description="Slower checks (whole check, all redirects) are DEGRADED, not DOWN."
    )

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, v: Any) -> Any:
        specs = as_list(v)
        if not isinstance(specs, list) or not specs:
            raise ValueError(f"{v!r} must be a status code or range, or a list of them")
        for spec in specs:
            status_range(spec)
        return specs

    @field_validator("headers")
    @classmethod
    def _header_names(cls, v: dict[str, re.Pattern[str]]) -> dict[str, re.Pattern[str]]:
        for name in v:
            if not _TOKEN_RE.fullmatch(name):
                raise ValueError(f"{name!r} is not a valid header name")
        return {name.lower(): pattern for name, pattern in v.items()}

    @property
    def needs_body(self) -> bool:
        return bool(self.body_contains or self.body_regex or self.json_checks)


class HttpConfig(ProbeConfig):
    """An HTTP(S) request on a fresh connection, and what its response must meet."""

    model_config = ConfigDict(hide_input_in_errors=True)  # the input holds header secrets

    url: str = Field(description="http:// or https:// URL; credentials go in auth.")
    method: str = Field("GET", description=f"One of {', '.join(METHODS)}.")
    headers: dict[str, Secret] = Field(
        default_factory=dict, description="Request headers; values are secret (never shown)."
    )
    body: str | None = Field(None, description="Request body (sent as UTF-8).")
    json_body: JsonValue = Field(
        None, alias="json", description="Request body as JSON (sets Content-Type); not null."
    )
    follow_redirects: bool = True
    max_redirects: int = Field(5, ge=0, le=30)
    verify: bool = Field(True, description="Verify the server certificate and host name.")
    ca_file: Path | None = Field(None, description="PEM CA bundle trusted instead of the system's.")
    auth: BasicAuth | None = None
    max_body: ByteSize = Field(1024 * 1024, description="Body bytes kept for assertions.")
    expect: Expect = Field(default_factory=Expect)

    def target(self) -> str:
        return redact_url(self.url)

    @field_validator("url")
    @classmethod
    def _url(cls, v: str) -> str:
        parse_target(v)
        return v.strip()

    @field_validator("method", mode="before")
    @classmethod
    def _method(cls, v: Any) -> Any:
        if isinstance(v, str) and v.strip().upper() in METHODS:
            return v.strip().upper()
        raise ValueError(f"must be one of {', '.join(METHODS)}")

    @field_validator("headers")
    @classmethod
    def _headers(cls, v: dict[str, Secret]) -> dict[str, Secret]:
        for name, value in v.items():
            if not _TOKEN_RE.fullmatch(name):
                raise ValueError(f"{name!r} is not a valid header name")
            if name.lower() in _SET_BY_WARDEN:
                raise ValueError(f"{name} is set by Warden; remove it")
            if any(c in value.get_secret_value() for c in "\r\n\0"):
                raise ValueError(f"the value of {name} (redacted) contains a line break or NUL")
        return v

    @field_validator("max_body")
    @classmethod
    def _max_body(cls, v: int) -> int:
        if v < 1:
            raise ValueError("must be at least 1 byte")
        return v

    @field_validator("ca_file")
    @classmethod
    def _ca_file(cls, v: Path | None) -> Path | None:
        if v is None:
            return v
        if not v.is_file():
            raise ValueError(f"{v} is not a file")
        try:
            client_ssl_context(True, v)
        except (OSError, ssl.SSLError) as exc:
            raise ValueError(f"cannot load CA certificates from {v}: {exc}") from None
        return v

    @model_validator(mode="after")
    def _consistent(self) -> HttpConfig:
        if self.body is not None and self.json_body is not None:
            raise ValueError("give either body or json, not both")
        if self.ca_file is not None and not self.verify:
            raise ValueError("ca_file has no effect with verify: false; remove one")
        if self.auth is not None and any(k.lower() == "authorization" for k in self.headers):
            raise ValueError("give either auth or an Authorization header, not both")
        return self
