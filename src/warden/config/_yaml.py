"""YAML reading that remembers where every key came from, and ``${VAR}`` interpolation.

``load_yaml`` returns plain Python data plus a ``LineMap`` from key paths such as
``("monitors", 2, "http", "url")`` to the 1-based line they were written on, so validation
errors can say ``warden.yaml:14: monitors[2].http.url: ...``. The tree is built straight from
libyaml's event stream (several times faster than PyYAML's composer on large configs).

Scalars follow the YAML 1.2 core schema: only ``true``/``false`` are booleans (so ``no`` and
``on`` stay strings), ``null``/``~``/empty is null, decimal/``0x``/``0o`` integers and floats.
Interpolation replaces ``${VAR}`` and ``${VAR:-default}`` inside string scalars from the
environment; ``$${`` is a literal ``${``. A missing variable without a default is an error at
its line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml
from yaml import events as ev

from warden.errors import ConfigIssue

try:  # libyaml's parser; the pure-Python one is a fallback
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml is in the wheels we pin
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path_ = tuple[str | int, ...]
_VAR_RE = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-(.*?))?\}")
_INT_RE = re.compile(r"^[-+]?(?:[0-9]+|0x[0-9a-fA-F]+|0o[0-7]+)$")
_FLOAT_RE = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_SPECIAL = {
    "": None, "~": None, "null": None, "Null": None, "NULL": None,
    "true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False,
    ".inf": float("inf"), "+.inf": float("inf"), "-.inf": float("-inf"),
    ".Inf": float("inf"), ".nan": float("nan"), ".NaN": float("nan"),
}  # fmt: skip
_STR_TAG = "tag:yaml.org,2002:str"


class LineMap:
    """Key path -> line, with the nearest known ancestor as a fallback."""

    def __init__(self, lines: dict[Path_, int]) -> None:
        self._lines = lines

    def line(self, path: Path_) -> int | None:
        p = tuple(path)
        while p:
            if p in self._lines:
                return self._lines[p]
            p = p[:-1]
        return self._lines.get((), None)


def format_path(path: Path_) -> str:
    """``("monitors", 2, "http", "url")`` -> ``monitors[2].http.url``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """Replace ``${VAR}``/``${VAR:-default}``; raises KeyError(VAR) for a missing variable."""

    def repl(m: re.Match[str]) -> str:
        if m.group(0) == "$${":
            return "${"
        name, default = m.group(1), m.group(2)
        if name in env:
            return env[name]
        if default is not None:
            return default
        raise KeyError(name)

    return _VAR_RE.sub(repl, text)


def resolve_plain(value: str) -> Any:
    """A plain (unquoted) scalar by the YAML 1.2 core schema."""
    if value in _SPECIAL:
        return _SPECIAL[value]
    c = value[0]
    if c.isdigit() or c in "+-.":
        if _INT_RE.match(value):
            return int(value, 0) if "0x" in value or "0o" in value else int(value)
        if _FLOAT_RE.match(value):
            return float(value)
    return value


class _Frame:
    __slots__ = ("anchor", "container", "key", "key_line", "path")

    def __init__(self, container: Any, path: Path_, anchor: str | None) -> None:
        self.container = container
        self.path = path
        self.key: Any = None
        self.key_line = 0
        self.anchor = anchor


class _Builder:
    def __init__(self, file: str, env: Mapping[str, str]) -> None:
        self.file = file
        self.env = env
        self.lines: dict[Path_, int] = {(): 1}
        self.issues: list[ConfigIssue] = []
        self.anchors: dict[str, Any] = {}

    def issue(self, line: int, path: Path_, message: str) -> None:
        self.issues.append(ConfigIssue(self.file, line, format_path(path), message))

    def build(self, text: str) -> Any:
        stack: list[_Frame] = []
        root: Any = None
        documents = 0
        event: Any
        for event in yaml.parse(text, Loader=_Loader):
            kind = type(event)
            if kind is ev.ScalarEvent or kind is ev.AliasEvent:
                line = event.start_mark.line + 1
                if kind is ev.AliasEvent:
                    if event.anchor not in self.anchors:
                        self.issue(
                            line, stack[-1].path if stack else (), f"unknown alias *{event.anchor}"
                        )
                    value = self.anchors.get(event.anchor)
                else:
                    value = self.scalar(event, stack, line)
                    if event.anchor:
                        self.anchors[event.anchor] = value
                if not stack:
                    root = value
                    continue
                frame = stack[-1]
                if type(frame.container) is dict and frame.key is None:
                    self.take_key(frame, value, line)
                else:
                    self.add(frame, value, line)
            elif kind is ev.MappingStartEvent or kind is ev.SequenceStartEvent:
                line = event.start_mark.line + 1
                container: Any = {} if kind is ev.MappingStartEvent else []
                if stack:
                    parent = stack[-1]
                    if type(parent.container) is dict and parent.key is None:
                        self.issue(line, parent.path, "keys must be plain strings")
                        parent.key = _BAD_KEY
                        parent.key_line = line
                    path = self.add(parent, container, line)
                else:
                    root, path = container, ()
                stack.append(_Frame(container, path, event.anchor))
            elif kind is ev.MappingEndEvent or kind is ev.SequenceEndEvent:
                frame = stack.pop()
                if frame.anchor:
                    self.anchors[frame.anchor] = frame.container
            elif kind is ev.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    self.issue(event.start_mark.line + 1, (), "only one YAML document is allowed")
                    break
        return root

    def take_key(self, frame: _Frame, key: Any, line: int) -> None:
        if not isinstance(key, str):
            key = str(key) if isinstance(key, int | float | bool) or key is None else _BAD_KEY
        if key == "<<":
            self.issue(line, frame.path, "merge keys (<<) are not supported")
            key = _BAD_KEY
        elif key in frame.container:
            self.issue(line, (*frame.path, key), "duplicate key")
        frame.key = key
        frame.key_line = line

    def add(self, frame: _Frame, value: Any, line: int) -> Path_:
        container = frame.container
        if type(container) is dict:
            key = frame.key
            frame.key = None
            path = (*frame.path, key)
            if key is not _BAD_KEY:
                container[key] = value
                self.lines[path] = frame.key_line
            return path
        path = (*frame.path, len(container))
        container.append(value)
        self.lines[path] = line
        return path

    def scalar(self, event: Any, stack: list[_Frame], line: int) -> Any:
        value = event.value
        plain = event.implicit[0] and not event.style
        if event.tag and event.tag not in ("!", _STR_TAG):
            return resolve_plain(value) if value else value
        if plain and event.tag != _STR_TAG:
            value = resolve_plain(value)
            if not isinstance(value, str):
                return value
        if "$" in value:
            try:
                value = interpolate(value, self.env)
            except KeyError as exc:
                path = stack[-1].path if stack else ()
                frame = stack[-1] if stack else None
                if frame is not None and type(frame.container) is dict and frame.key is not None:
                    path = (*path, frame.key)
                elif frame is not None and type(frame.container) is list:
                    path = (*path, len(frame.container))
                name = exc.args[0]
                hint = f"use ${{{name}:-default}} for a default"
                self.issue(line, path, f"environment variable {name} is not set ({hint})")
        return value


_BAD_KEY: Any = object()


def load_yaml(
    text: str, file: str, env: Mapping[str, str]
) -> tuple[Any, LineMap, list[ConfigIssue]]:
    """Parse ``text``; returns (data, line map, issues). Syntax errors are issues too."""
    builder = _Builder(file, env)
    try:
        data = builder.build(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        return None, LineMap({}), [ConfigIssue(file, line, "", f"YAML syntax: {problem}")]
    except yaml.YAMLError as exc:
        return None, LineMap({}), [ConfigIssue(file, None, "", f"YAML syntax: {exc}")]
    return ({} if data is None else data), LineMap(builder.lines), builder.issues
