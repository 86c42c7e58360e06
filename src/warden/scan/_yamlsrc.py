"""YAML documents with the line of every value, so Kubernetes and Compose findings point at
the line that is wrong (``spec.template.spec.containers[0].image`` -> 31)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml is in every wheel we install
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_BOOL = {"true": True, "false": False, "yes": True, "no": False, "on": True, "off": False}


@dataclass(frozen=True, slots=True)
class Doc:
    data: Any
    lines: dict[str, int]
    line: int  # where the document starts


def load_docs(text: str) -> list[Doc]:
    """Every document of ``text``; ``yaml.YAMLError`` when it is not YAML."""
    out = []
    for node in yaml.compose_all(text, Loader=_Loader):
        if node is None:
            continue
        lines: dict[str, int] = {}
        out.append(Doc(_value(node, "", lines, 0), lines, node.start_mark.line + 1))
    return out


def _scalar(node: yaml.ScalarNode) -> Any:
    value = node.value
    if node.style:  # quoted or a block scalar: a string as written
        return value
    tag = node.tag
    if tag.endswith(":int"):
        try:
            return int(value, 0)
        except ValueError:
            return value
    if tag.endswith(":float"):
        try:
            return float(value)
        except ValueError:
            return value
    if tag.endswith(":bool"):
        return _BOOL.get(value.lower(), value)
    if tag.endswith(":null"):
        return None
    return value


def _value(node: yaml.Node, path: str, lines: dict[str, int], depth: int) -> Any:
    if depth > 60:
        return None
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, child in enumerate(node.value):
            sub = f"{path}[{i}]"
            lines.setdefault(sub, child.start_mark.line + 1)
            items.append(_value(child, sub, lines, depth + 1))
        return items
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, child in node.value:
            key = str(_scalar(key_node)) if isinstance(key_node, yaml.ScalarNode) else "?"
            if key == "<<":
                merged = _value(child, path, {}, depth + 1)
                for m in merged if isinstance(merged, list) else [merged]:
                    if isinstance(m, dict):
                        for k, v in m.items():
                            out.setdefault(k, v)
                continue
            sub = f"{path}.{key}" if path else key
            lines.setdefault(sub, key_node.start_mark.line + 1)
            out[key] = _value(child, sub, lines, depth + 1)
        return out
    return None
