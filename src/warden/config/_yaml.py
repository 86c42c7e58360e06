"""YAML reading that remembers where every key came from, and ``${VAR}`` interpolation.

``load_yaml`` returns plain Python data plus a ``LineMap`` from key paths such as
``("monitors", 2, "http", "url")`` to the 1-based line they were written on, so validation
errors can say ``warden.yaml:14: monitors[2].http.url: ...``. Interpolation replaces
``${VAR}`` and ``${VAR:-default}`` inside string scalars from the environment; ``$${`` is a
literal ``${``. A missing variable without a default is an error at its line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml

from warden.errors import ConfigIssue

try:  # the C parser is several times faster on large configs
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml is in the wheels we pin
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path_ = tuple[str | int, ...]
_VAR_RE = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-(.*?))?\}")


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


class _Builder:
    def __init__(self, file: str, env: Mapping[str, str]) -> None:
        self.file = file
        self.env = env
        self.lines: dict[Path_, int] = {}
        self.issues: list[ConfigIssue] = []

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.build_key(key_node, path)
                if key is None:
                    continue
                if key == "<<":
                    self.issues.append(
                        self._issue(key_node, path, "merge keys (<<) are not supported")
                    )
                    continue
                child = (*path, key)
                if key in out:
                    self.issues.append(self._issue(key_node, child, "duplicate key"))
                self.lines[child] = key_node.start_mark.line + 1
                out[key] = self.build(value_node, child)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        return self.scalar(node, path)

    def build_key(self, node: yaml.Node, path: Path_) -> str | None:
        if not isinstance(node, yaml.ScalarNode):
            self.issues.append(self._issue(node, path, "keys must be plain strings"))
            return None
        return str(node.value)

    def scalar(self, node: yaml.ScalarNode, path: Path_) -> Any:
        value = _construct_scalar(node)
        if isinstance(value, str) and "$" in value:
            try:
                value = interpolate(value, self.env)
            except KeyError as exc:
                self.issues.append(
                    self._issue(
                        node,
                        path,
                        f"environment variable {exc.args[0]} is not set "
                        f"(use ${{{exc.args[0]}:-default}} for a default)",
                    )
                )
        return value

    def _issue(self, node: yaml.Node, path: Path_, message: str) -> ConfigIssue:
        return ConfigIssue(self.file, node.start_mark.line + 1, format_path(path), message)


_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_SCALARS = yaml.SafeLoader.yaml_constructors


def _construct_scalar(node: yaml.ScalarNode) -> Any:
    """A scalar by YAML's safe rules (ints, floats, bools, null; quoted text stays a string)."""
    construct = _SCALARS.get(node.tag)
    if construct is None:
        return node.value
    return construct(_CONSTRUCTOR, node)


def load_yaml(
    text: str, file: str, env: Mapping[str, str]
) -> tuple[Any, LineMap, list[ConfigIssue]]:
    """Parse ``text``; returns (data, line map, issues). Syntax errors are issues too."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        return None, LineMap({}), [ConfigIssue(file, line, "", f"YAML syntax: {problem}")]
    except yaml.YAMLError as exc:
        return None, LineMap({}), [ConfigIssue(file, None, "", f"YAML syntax: {exc}")]
    if node is None:
        return {}, LineMap({}), []
    builder = _Builder(file, env)
    data = builder.build(node, ())
    return data, LineMap(builder.lines), builder.issues
