"""Config pieces several probes share: value expectations and URL-addressed services.

``ValueExpect`` checks one value (a query's first column, a Redis reply, a TCP reply, a command's
stdout); written as a plain string it is ``equals``, or a comparison when it reads like
``"< 100"``. ``ServiceConfig`` is a ``url`` whose password may also come from ``password`` or
``password_file``; ``DatabaseConfig`` adds an optional ``query`` with an ``expect``.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from pydantic import Field, GetJsonSchemaHandler, field_validator, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from warden.config._base import ConfigModel
from warden.config._types import Secret, SecretUrl
from warden.probes._base import ProbeConfig
from warden.probes._net import Verdict, down, one_line, up
from warden.results import ErrorClass

_COMPARE_RE = re.compile(r"^\s*(<=|>=|==|!=|=|<|>)\s*([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*$")
_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "=": operator.eq,
    "==": operator.eq,
    "!=": operator.ne,
}


def render_value(value: object) -> str | None:
    """A reply value as text: bytes decoded, booleans ``true``/``false``, NULL/nil as None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, list | tuple):
        return "\n".join(str(render_value(v)) for v in value)
    return str(value)


def as_number(text: str | None) -> float | None:
    """``text`` as a finite float, or None if it is not a number."""
    if text is None:
        return None
    try:
        number = float(Decimal(text.strip()))
    except (ArithmeticError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


class ValueExpect(ConfigModel):
    """Conditions on one value; every condition given must hold."""

    equals: str | None = Field(
        None, description="The whole value, less surrounding whitespace; numbers as numbers."
    )
    contains: str | None = Field(None, description="A substring of the value.")
    regex: str | None = Field(None, description="A regular expression found in the value.")
    compare: str | None = Field(None, description='A number comparison: "< 100", ">= 1", "!= 0".')

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        full = handler.resolve_ref_schema(handler(core_schema))
        short = {"type": ["string", "number", "boolean"], "description": 'equals, or "< 100"'}
        return {"anyOf": [full, short]}

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str) and _COMPARE_RE.match(data):
            return {"compare": data}
        if isinstance(data, str | int | float | bool):
            return {"equals": _text(data)}
        return data

    @model_validator(mode="after")
    def _something(self) -> ValueExpect:
        if all(v is None for v in (self.equals, self.contains, self.regex, self.compare)):
            raise ValueError("give at least one of equals, contains, regex, compare")
        return self

    @field_validator("equals", "contains", mode="before")
    @classmethod
    def _scalar_text(cls, value: Any) -> Any:
        return _text(value)

    @field_validator("regex")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"bad regular expression: {exc}") from None
        return value

    @field_validator("compare")
    @classmethod
    def _compare(cls, value: str | None) -> str | None:
        if value is not None and not _COMPARE_RE.match(value):
            raise ValueError(f"{value!r} is not a comparison such as '< 100' or '>= 1'")
        return value

    def failure(self, value: str | None) -> str | None:
        """Why ``value`` does not meet the conditions, or None when it does."""
        if value is None:
            return "expected a value, got none (NULL/nil/no row)"
        shown = one_line(repr(value), 120)
        if self.equals is not None and not _equal(value, self.equals):
            return f"expected {self.equals!r}, got {shown}"
        if self.contains is not None and self.contains not in value:
            return f"expected to contain {self.contains!r}, got {shown}"
        if self.regex is not None and not re.search(self.regex, value):
            return f"expected to match /{self.regex}/, got {shown}"
        if self.compare is not None:
            m = _COMPARE_RE.match(self.compare)
            assert m is not None  # checked by the validator
            number = as_number(value)
            if number is None:
                return f"expected a number {self.compare}, got {shown}"
            if not _OPS[m.group(1)](number, float(m.group(2))):
                return f"expected {self.compare.strip()}, got {number:g}"
        return None


def _equal(value: str, expected: str) -> bool:
    value, expected = value.strip(), expected.strip()
    if value == expected:
        return True
    a, b = as_number(value), as_number(expected)
    return a is not None and a == b


def judge_value(value: object, expect: ValueExpect | None, what: str) -> Verdict:
    """UP with the value shown, or DOWN/ASSERTION; a numeric value becomes metric ``value``."""
    text = render_value(value)
    number = as_number(text)
    metrics = {"value": number} if number is not None else {}
    if expect is not None and (problem := expect.failure(text)):
        return down(ErrorClass.ASSERTION, f"{what}: {problem}", metrics)
    shown = "no value" if text is None else one_line(text, 120)
    return up(f"{what}: {shown}", metrics)


class ServiceConfig(ProbeConfig):
    """A service reached by URL; the password may sit in the URL or in ``password``."""

    schemes: ClassVar[tuple[str, ...]] = ()

    url: SecretUrl = Field(description="Service URL; shown with its password redacted.")
    password: Secret | None = Field(
        None, description="Password, if not in the URL (or use password_file)."
    )

    @field_validator("url")
    @classmethod
    def _url(cls, value: SecretUrl) -> SecretUrl:
        parts = urlsplit(value.get_secret_value())
        if parts.scheme not in cls.schemes:
            raise ValueError(f"URL scheme must be one of {', '.join(cls.schemes)}")
        if not parts.hostname:
            raise ValueError("URL needs a host")
        try:
            _ = parts.port
        except ValueError:
            raise ValueError("URL has a bad port") from None
        return value

    @model_validator(mode="after")
    def _one_password(self) -> ServiceConfig:
        if self.password is not None and urlsplit(self.url.get_secret_value()).password:
            raise ValueError("give the password in url or in password, not both")
        return self

    def full_url(self) -> str:
        """The URL with ``password`` written in (percent-encoded) if it was given apart."""
        url = self.url.get_secret_value()
        if self.password is None:
            return url
        parts = urlsplit(url)
        user = parts.username or ""
        host = parts.netloc.rsplit("@", 1)[-1]
        netloc = f"{user}:{quote(self.password.get_secret_value(), safe='')}@{host}"
        return urlunsplit(parts._replace(netloc=netloc))

    def password_text(self) -> str | None:
        """The password wherever it was given, or None."""
        if self.password is not None:
            return self.password.get_secret_value()
        raw = urlsplit(self.url.get_secret_value()).password
        return unquote(raw) if raw else None

    def secrets(self) -> list[str]:
        """Texts that must never appear in a message (the password, raw and encoded)."""
        pw = self.password_text()
        return [pw, quote(pw, safe="")] if pw else []

    def target(self) -> str:
        return self.url.display()


class DatabaseConfig(ServiceConfig):
    """A database: connect and log in, then optionally run ``query`` and check its first value."""

    query: str | None = Field(None, description="SQL whose first column of the first row is read.")
    expect: ValueExpect | None = Field(None, description="Condition on that value.")

    @model_validator(mode="after")
    def _expect_needs_query(self) -> DatabaseConfig:
        if self.expect is not None and not self.query:
            raise ValueError("expect needs a query")
        return self
