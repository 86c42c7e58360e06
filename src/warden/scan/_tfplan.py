"""``terraform show -json`` plan files to ``Resource``s: the planned values are what will
exist, with every variable, local and module already resolved by Terraform itself."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from warden.scan._model import Resource


def is_plan(data: Any) -> bool:
    return isinstance(data, Mapping) and "planned_values" in data and "format_version" in data


def _modules(module: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield module
    for child in module.get("child_modules", []) or []:
        if isinstance(child, Mapping):
            yield from _modules(child)


def load_plan(path: Path, rel: str, data: Mapping[str, Any]) -> list[Resource]:
    """The planned resources of a plan document (``data``, already parsed from ``path``)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = text.splitlines()
    root = data.get("planned_values", {}).get("root_module", {}) or {}
    out: list[Resource] = []
    for module in _modules(root):
        for res in module.get("resources", []) or []:
            if not isinstance(res, Mapping) or res.get("mode", "managed") not in (
                "managed",
                "data",
            ):
                continue
            address = str(res.get("address", ""))
            rtype = str(res.get("type", ""))
            if res.get("mode") == "data":
                rtype = f"data.{rtype}"
            values = res.get("values") or {}
            out.append(
                Resource(
                    "plan",
                    rtype,
                    address,
                    rel,
                    _line(lines, address),
                    dict(values) if isinstance(values, Mapping) else {},
                    {},
                    f"plan {Path(rel).name}",
                )
            )
    return out


def _line(lines: list[str], address: str) -> int:
    needle = f'"address": "{address}"'
    compact = f'"address":"{address}"'
    for no, line in enumerate(lines, start=1):
        if needle in line or compact in line:
            return no
    return 1


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
