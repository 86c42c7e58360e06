"""Stable JSON output for every ``--json`` flag.

Every command prints one object ``{"schema": "warden.<kind>/v1", ...payload}`` so scripts and
agents can check what they are reading. ``to_jsonable`` turns dataclasses, enums, pydantic
models, secrets, paths and datetimes into plain JSON values; secrets come out redacted.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr

from warden.config._types import SecretUrl


def to_jsonable(value: Any) -> Any:
    """Convert ``value`` to JSON-compatible data; NaN/inf become None."""
    if isinstance(value, enum.Enum):  # before int/str: IntEnum and StrEnum are both
        if isinstance(value, enum.IntEnum):
            return value.name.lower()
        return to_jsonable(value.value)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, SecretUrl):
        return value.display()
    if isinstance(value, SecretStr):
        return "***" if value.get_secret_value() else ""
    if isinstance(value, BaseModel):
        return to_jsonable(dict(value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return str(value)


def dumps(kind: str, payload: Mapping[str, Any]) -> str:
    """The JSON document for ``--json`` output of command ``kind`` (e.g. ``check``)."""
    doc = {"schema": f"warden.{kind}/v1", **{k: to_jsonable(v) for k, v in payload.items()}}
    return json.dumps(doc, indent=2, sort_keys=False, allow_nan=False)
