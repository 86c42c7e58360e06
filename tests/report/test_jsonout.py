"""The stable JSON envelope: enums by name, secrets redacted, non-finite floats as null."""

from __future__ import annotations

import dataclasses
import json

from pydantic import SecretStr

from warden.config._types import SecretUrl
from warden.report.jsonout import dumps, to_jsonable
from warden.results import ErrorClass, Status


@dataclasses.dataclass
class Row:
    status: Status
    error: ErrorClass
    url: SecretUrl
    token: SecretStr
    latency: float


def test_enums_secrets_and_floats() -> None:
    row = Row(
        Status.DOWN,
        ErrorClass.TIMEOUT,
        SecretUrl("postgresql://u:pw@h/db"),
        SecretStr("t"),
        float("nan"),
    )
    assert to_jsonable(row) == {
        "status": "down",
        "error": "timeout",
        "url": "postgresql://u:***@h/db",
        "token": "***",
        "latency": None,
    }


def test_envelope_names_its_schema() -> None:
    doc = json.loads(dumps("check", {"down": False, "results": []}))
    assert doc == {"schema": "warden.check/v1", "down": False, "results": []}
