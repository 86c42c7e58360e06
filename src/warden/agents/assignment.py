"""A location's assignment: the monitors its agent runs, as the server sends them and the agent
reads them back.

The server sends each monitor of the location as the YAML would write it (``${ENV}`` already
read on the server, secrets included: the agent needs them to probe, and only the holder of
that location's token can read them), without ``locations`` and ``quorum``, which are the
server's business. ``etag`` changes whenever the assignment does, so an agent re-reads it
when a push answer names another one. The agent validates the monitors with the same models
as warden.yaml.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, SecretStr, ValidationError

from warden.config.schema import MonitorBase, WardenConfig, build_model
from warden.errors import ConfigError, ConfigIssue

SERVER_ONLY = ("locations", "quorum")


def for_location(config: WardenConfig, location: str) -> list[MonitorBase]:
    return [m for m in config.monitors if m.enabled and location in m.locations]


def document(monitors: Sequence[MonitorBase]) -> list[dict[str, Any]]:
    out = []
    for m in monitors:
        data = _plain(m.model_dump(mode="python", by_alias=True, exclude_unset=True))
        for key in SERVER_ONLY:
            data.pop(key, None)
        data["name"] = m.name
        out.append(data)
    return out


def etag(doc: list[dict[str, Any]]) -> str:
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _plain(value: Any) -> Any:
    """Model dump values as JSON: secrets revealed, enums by value, the rest as text."""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, BaseModel):
        return _plain(value.model_dump(mode="python", by_alias=True, exclude_unset=True))
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def read(doc: Any) -> list[MonitorBase]:
    """The monitors of an assignment document; ConfigError naming the bad one."""
    if not isinstance(doc, list) or not all(isinstance(m, dict) for m in doc):
        raise ConfigError([ConfigIssue("assignment", None, "", "not a list of monitors")])
    try:
        config = build_model().model_validate({"monitors": doc})
    except ValidationError as exc:
        issues = [
            ConfigIssue("assignment", None, ".".join(str(p) for p in e["loc"]), e["msg"])
            for e in exc.errors(include_url=False)
        ]
        raise ConfigError(issues) from None
    return list(config.monitors)
