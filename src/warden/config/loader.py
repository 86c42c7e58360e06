"""Load ``warden.yaml``: read, interpolate, validate, and report every problem with its line.

``load_config(path)`` returns a validated ``WardenConfig`` or raises ``ConfigError`` whose
``issues`` read like ``warden.yaml:14: monitors[2].http.expect.status: must be a status code or
range``. Unknown keys get a "did you mean" from the model's own field names; names one section
gives another (a route's receiver, a status page's monitors, ...) are checked by
``references.py`` and reported the same way.
"""

from __future__ import annotations

import difflib
import os
import re
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from warden.config._find import candidate_config
from warden.config._yaml import LineMap, Path_, format_path, load_yaml
from warden.config.partial import partial_config
from warden.config.references import located_issues
from warden.config.schema import WardenConfig, build_model
from warden.errors import ConfigError, ConfigIssue

_ROOT_PATH_RE = re.compile(r"^(\w+)\[(\d+)\]\.(\w+): (.*)$", re.DOTALL)
_KEY_PREFIX_RE = re.compile(r"^(\w+): (.*)$", re.DOTALL)


def default_config_path() -> Path:
    """The config file picked by the search rule of ``_find.py`` (existing or not)."""
    return candidate_config(None)


def load_config(path: str | Path, env: Mapping[str, str] | None = None) -> WardenConfig:
    """Read and validate the config file at ``path``; raises ConfigError listing every issue."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([ConfigIssue(file, None, "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([ConfigIssue(file, None, "", f"cannot read: {exc}")]) from exc
    return parse_config(text, file, env)


def parse_config(
    text: str, file: str = "<config>", env: Mapping[str, str] | None = None
) -> WardenConfig:
    """Validate config ``text`` (``file`` names it in errors)."""
    data, lines, issues = load_yaml(text, file, os.environ if env is None else env)
    if data is None:
        raise ConfigError(issues)
    if not isinstance(data, dict):
        raise ConfigError(
            [*issues, ConfigIssue(file, 1, "", "the top level must be a mapping of sections")]
        )
    model = build_model()
    try:
        config = model.model_validate(data)
    except ValidationError as exc:
        issues.extend(_issues_from(exc, data, lines, file, model))
        # cross-section names are checked in the same pass, over what did validate
        issues.extend(located_issues(partial_config(model, data), file, lines))
        raise ConfigError(_sorted_unique(issues)) from None
    issues.extend(located_issues(config, file, lines))
    if issues:
        raise ConfigError(_sorted_unique(issues))
    return config


def document_issues(
    exc: ValidationError, data: Any, lines: LineMap, file: str, model: type[BaseModel]
) -> list[ConfigIssue]:
    """The located issues of ``model``'s validation of a YAML document other than warden.yaml
    (a game-day plan, ...), read with ``load_yaml``."""
    return _sorted_unique(_issues_from(exc, data, lines, file, model))


def _sorted_unique(issues: list[ConfigIssue]) -> list[ConfigIssue]:
    seen: set[tuple[int | None, str]] = set()
    out = []
    for issue in sorted(issues, key=lambda i: (i.line or 0, i.path)):
        key = (issue.line, issue.path)
        if key in seen:
            continue
        seen.add(key)
        out.append(issue)
    return out


def _issues_from(
    exc: ValidationError, data: Any, lines: LineMap, file: str, model: type[BaseModel]
) -> list[ConfigIssue]:
    out = []
    for err in exc.errors(include_url=False):
        path = _real_path(err["loc"], data)
        message = _message(err, path, model)
        if not path:
            m = _ROOT_PATH_RE.match(message)
            if m:
                path = (m.group(1), int(m.group(2)), m.group(3))
                message = m.group(4)
        key = _KEY_PREFIX_RE.match(message)
        node = _node_at(data, path)
        if key and isinstance(node, dict) and key.group(1) in node:
            # a model-level error about one of its keys ("url_file: cannot read ...")
            path = (*path, key.group(1))
            message = key.group(2)
        out.append(ConfigIssue(file, lines.line(path), format_path(path), message))
    return out


def _real_path(loc: tuple[int | str, ...], data: Any) -> Path_:
    """Drop the union-member tags pydantic puts in ``loc`` so the path names real keys."""
    path: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, dict):
            if part in node or last or (isinstance(part, str) and not _looks_like_tag(part)):
                path.append(part)
                node = node.get(part) if isinstance(part, str) else None
            continue
        if isinstance(node, list) and isinstance(part, int):
            path.append(part)
            node = node[part] if 0 <= part < len(node) else None
            continue
        if node is None and isinstance(part, str) and not _looks_like_tag(part):
            path.append(part)
    return tuple(path)


def _node_at(data: Any, path: Path_) -> Any:
    node = data
    for part in path:
        if isinstance(node, dict) and isinstance(part, str):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return None
    return node


def _looks_like_tag(part: str) -> bool:
    return any(c in part for c in "[]-,") or part in {"int", "str", "float", "bool", "list", "dict"}


def _message(err: Mapping[str, Any], path: Path_, model: type[BaseModel]) -> str:
    kind, msg = err["type"], str(err["msg"])
    if kind == "extra_forbidden":
        parent = _model_at(model, path[:-1])
        name = str(path[-1]) if path else ""
        if parent is not None:
            allowed = sorted(parent.model_fields)
            close = difflib.get_close_matches(name, allowed, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            return f"unknown key{hint} (allowed: {', '.join(allowed)})"
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            return msg[len(prefix) :]
    return msg[:1].lower() + msg[1:]


def _model_at(model: type[BaseModel], path: Path_) -> type[BaseModel] | None:
    """The pydantic model describing the mapping at ``path``, if there is one."""
    current: Any = model
    for part in path:
        current = _unwrap(current)
        if isinstance(part, int):
            args = typing.get_args(current)
            current = args[0] if args else None
            continue
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part)
            current = field.annotation if field else None
        elif typing.get_origin(current) is dict:
            current = typing.get_args(current)[1]
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(tp: Any) -> Any:
    """``X | None`` -> X; ``Annotated[X, ...]`` -> X."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return _unwrap(args[0])
    return tp
