"""Terraform files as data: python-hcl2 parses the values, and one pass over the text finds
the line of every block and attribute (python-hcl2 does not report lines), so a finding can
point at ``main.tf:42``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2
from hcl2.utils import SerializationOptions

_OPTIONS = SerializationOptions(
    with_comments=False, explicit_blocks=True, strip_string_quotes=True, preserve_heredocs=False
)
_HEADER = re.compile(r'^\s*([A-Za-z_][\w-]*)((?:\s+(?:"[^"]*"|[A-Za-z_][\w-]*))*)\s*\{')
_ATTR = re.compile(r"^\s*([A-Za-z_][\w-]*|\"[^\"]+\")(?:\s+\"[^\"]*\")*\s*(=(?!=)|\{)")
_HEREDOC = re.compile(r"<<-?\s*([A-Za-z_]\w*)\s*$")


@dataclass
class Block:
    """A top-level block: its kind (``resource``), labels, lines and attribute lines."""

    kind: str
    labels: tuple[str, ...]
    start: int
    end: int = 0
    lines: dict[str, int] = field(default_factory=dict)


@dataclass
class TfFile:
    path: Path
    rel: str
    data: Mapping[str, Any]
    blocks: list[Block]
    text: str

    def block(self, kind: str, *labels: str) -> Block | None:
        for b in self.blocks:
            if b.kind == kind and b.labels[: len(labels)] == labels:
                return b
        return None


def parse_file(path: Path, rel: str) -> TfFile:
    """Parse one ``.tf`` or ``.tfvars`` file (ValueError when it is not valid HCL)."""
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        data = hcl2.loads(text, serialization_options=_OPTIONS)
    except Exception as exc:  # lark raises many kinds; one message is enough
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"{rel}: not valid HCL ({first[:160]})") from None
    return TfFile(path, rel, data, index_lines(text), text)


def parse_files(jobs: list[tuple[str, str]]) -> list[TfFile | str]:
    """``parse_file`` over (path, rel) pairs; a file that cannot be parsed gives its error."""
    out: list[TfFile | str] = []
    for path, rel in jobs:
        try:
            out.append(parse_file(Path(path), rel))
        except (ValueError, OSError) as exc:
            out.append(str(exc))
    return out


def _strip_strings(line: str) -> str:
    return re.sub(r'"(?:[^"\\]|\\.)*"', '""', line.split("#", 1)[0].split("//", 1)[0])


def index_lines(text: str) -> list[Block]:
    """Top-level blocks with the line of each attribute path (``ingress[1].cidr_blocks`` and
    ``ingress.cidr_blocks`` for the first), from the text alone."""
    blocks: list[Block] = []
    current: Block | None = None
    stack: list[str] = []  # plain names of the enclosing nested blocks
    where: list[str] = []  # the same with their index: ingress[1]
    counts: list[dict[str, int]] = []
    depth = 0
    heredoc: str | None = None
    for no, raw in enumerate(text.splitlines(), start=1):
        if heredoc is not None:
            if raw.strip() == heredoc:
                heredoc = None
            continue
        line = _strip_strings(raw)
        h = _HEREDOC.search(raw)
        heredoc = h.group(1) if h else None
        if depth == 0:
            m = _HEADER.match(line)
            if m:
                head = _HEADER.match(raw)
                found = re.findall(r'"[^"]*"|[\w-]+', head.group(2)) if head else []
                labels = tuple(x.strip('"') for x in found)
                current = Block(m.group(1), labels, no)
                blocks.append(current)
                stack, where, counts = [], [], [{}]
                depth = 1 + line.count("{", m.end()) - line.count("}")
                if depth <= 0:
                    current.end, depth = no, 0
            else:
                m = _ATTR.match(line)
                if m and m.group(2).startswith("="):  # a top-level attribute (tfvars)
                    blocks.append(Block("attribute", (m.group(1).strip('"'),), no, no))
            continue
        if current is None:
            continue
        m = _ATTR.match(line)
        opens = line.count("{") - line.count("}")
        if m:
            key = m.group(1).strip('"')
            seen = counts[-1].get(key, 0)
            counts[-1][key] = seen + 1
            current.lines.setdefault(".".join([*stack, key]), no)
            current.lines.setdefault(".".join([*where, key]), no)
            if opens > 0:
                current.lines.setdefault(".".join([*where, f"{key}[{seen}]"]), no)
                stack.append(key)
                where.append(f"{key}[{seen}]")
                counts.append({})
                depth += opens
                continue
        depth += opens
        while stack and len(stack) >= depth:
            stack.pop()
            where.pop()
            counts.pop()
        if depth <= 0:
            current.end, depth, current = no, 0, None
    if current is not None and not current.end:
        current.end = len(text.splitlines())
    return blocks
