"""Validation of API bodies by the models and messages of ``warden.yaml``, and their secrets.

A body is checked as if it were the only item of its section in a YAML file: the same
``${ENV}`` interpolation, the same pydantic models, the same messages (``http.url: ...``,
with the section prefix dropped), and the same cross-section checks (a status page naming a
monitor that does not exist) run against the running config with this item in it.

Secrets: the body is kept as the user wrote it. A secret field written as a ``${ENV}``
reference stays a reference (its value never reaches the store); one written literally is
stored, never shown by the API (``REDACTED`` instead; sending ``REDACTED`` back keeps the
stored value) and exported only on request (see export.py).
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, SecretStr, ValidationError

from warden.config._yaml import Path_, format_path, load_yaml
from warden.config.loader import _issues_from
from warden.config.references import reference_issues
from warden.config.schema import MonitorBase, WardenConfig, build_model
from warden.errors import WardenError

REDACTED = "REDACTED"
SOURCE = "<request>"


@dataclass(frozen=True, slots=True)
class Kind:
    """A kind of managed object: its API path, its config section and its name key."""

    path: str
    section: str
    key: str
    label: str


KINDS = {
    "monitors": Kind("monitors", "monitors", "name", "monitor"),
    "maintenance": Kind("maintenance", "maintenance", "name", "maintenance window"),
    "status-pages": Kind("status-pages", "status_pages", "slug", "status page"),
}


class Invalid(WardenError):
    """A body the config models refuse; ``issues`` are (key path, message) pairs."""

    def __init__(self, issues: list[tuple[str, str]]) -> None:
        self.issues = issues
        super().__init__("; ".join(f"{p}: {m}" if p else m for p, m in issues))


@functools.cache
def api_monitor_model() -> type[MonitorBase]:
    """The YAML monitor model, marked ``source = "api"``."""
    item: type[MonitorBase] = build_model().model_fields["monitors"].annotation.__args__[0]  # type: ignore[union-attr]

    class ApiMonitor(item):  # type: ignore[valid-type,misc]
        source: ClassVar[str] = "api"

    return ApiMonitor


def name_of(kind: Kind, item: Any) -> str:
    return str(getattr(item, kind.key))


def _strip(path: str, kind: Kind) -> str:
    prefix = f"{kind.section}[0]"
    if path.startswith(prefix):
        path = path[len(prefix) :]
    return path.lstrip(".")


def validate(
    kind: Kind,
    body: Any,
    running: WardenConfig,
    replacing: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Any:
    """The validated item for ``body``; raises Invalid with every problem found."""
    if not isinstance(body, dict):
        raise Invalid([("", "the body must be a JSON object")])
    text = json.dumps({kind.section: [body]})
    data, lines, found = load_yaml(text, SOURCE, os.environ if env is None else env)
    issues = [(_strip(i.path, kind), i.message) for i in found]
    if issues or data is None:
        raise Invalid(issues or [("", "cannot read the body")])
    model = build_model()
    try:
        config = model.model_validate({kind.section: data[kind.section]})
    except ValidationError as exc:
        got = _issues_from(exc, data, lines, SOURCE, model)
        raise Invalid([(_strip(i.path, kind), i.message) for i in got]) from None
    item = getattr(config, kind.section)[0]
    if kind.section == "monitors":
        item = api_monitor_model().model_validate(data[kind.section][0])
    name = name_of(kind, item)
    others = [
        x for x in getattr(running, kind.section) if name_of(kind, x) not in {name, replacing}
    ]
    merged = running.model_copy(update={kind.section: [*others, item]})
    at = (kind.section, len(others))
    refs = [
        (_strip(format_path((kind.section, 0, *p[2:])), kind), m)
        for p, m in reference_issues(merged)
        if tuple(p[:2]) == at
    ]
    if refs:
        raise Invalid(refs)
    return item


def _fields(model: BaseModel) -> dict[str, str]:
    """Written key (alias or name) -> attribute name."""
    out = {}
    for name, f in type(model).model_fields.items():
        out[name] = name
        if f.alias:
            out[f.alias] = name
    return out


def literal_secrets(raw: Any, model: Any, path: Path_ = ()) -> Iterator[Path_]:
    """Paths in ``raw`` of secret fields written literally (not as ``${ENV}`` references)."""
    if isinstance(model, SecretStr):
        if isinstance(raw, str) and "${" not in raw:
            yield path
        return
    if isinstance(model, BaseModel) and isinstance(raw, dict):
        keys = _fields(model)
        for key, value in raw.items():
            if key in keys:
                yield from literal_secrets(value, getattr(model, keys[key]), (*path, key))
    elif isinstance(model, dict) and isinstance(raw, dict):
        for key, value in raw.items():
            if key in model:
                yield from literal_secrets(value, model[key], (*path, key))
    elif isinstance(model, list | tuple) and isinstance(raw, list):
        for i, (value, sub) in enumerate(zip(raw, model, strict=False)):
            yield from literal_secrets(value, sub, (*path, i))


def _get(raw: Any, path: Path_) -> Any:
    for part in path:
        if isinstance(raw, dict) and isinstance(part, str):
            raw = raw.get(part)
        elif isinstance(raw, list) and isinstance(part, int) and part < len(raw):
            raw = raw[part]
        else:
            return None
    return raw


def _set(raw: Any, path: Path_, value: Any) -> None:
    for part in path[:-1]:
        raw = raw[part]
    raw[path[-1]] = value


def redacted(raw: dict[str, Any], model: Any) -> dict[str, Any]:
    """A copy of ``raw`` with literal secrets replaced by ``REDACTED``."""
    out: dict[str, Any] = json.loads(json.dumps(raw))
    for path in literal_secrets(raw, model):
        _set(out, path, REDACTED)
    return out


def restore_redacted(new: Any, old: dict[str, Any]) -> Any:
    """``new`` with every ``REDACTED`` string replaced by the value at the same path in ``old``."""

    def walk(node: Any, path: Path_) -> Any:
        if node == REDACTED:
            kept = _get(old, path)
            return kept if isinstance(kept, str) else node
        if isinstance(node, dict):
            return {k: walk(v, (*path, k)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, (*path, i)) for i, v in enumerate(node)]
        return node

    return walk(new, ())


def env_name(name: str, path: Path_) -> str:
    """``WARDEN_<NAME>_<PATH>`` for a secret exported as a reference."""
    text = "_".join([name, *(str(p) for p in path)])
    return "WARDEN_" + re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").upper()
