"""A heuristic for unminified CSS/JavaScript: short lines, indentation and comments."""

from __future__ import annotations

import re

_BLOCK_COMMENT = re.compile(rb"/\*.*?\*/", re.DOTALL)
_LINE_COMMENT = re.compile(rb"^\s*//[^\n]*", re.MULTILINE)
_INDENT = re.compile(rb"^[ \t]+", re.MULTILINE)


def removable_bytes(text: bytes) -> int:
    """Bytes of comments and indentation a minifier would remove (a lower bound)."""
    comments = sum(len(m) for m in _BLOCK_COMMENT.findall(text))
    comments += sum(len(m) for m in _LINE_COMMENT.findall(text))
    indent = sum(len(m) for m in _INDENT.findall(text))
    return comments + indent


def looks_unminified(text: bytes, min_bytes: int = 2048) -> tuple[bool, int]:
    """(unminified?, removable bytes) for a CSS or JavaScript file."""
    if len(text) < min_bytes:
        return False, 0
    lines = text.count(b"\n") + 1
    avg_line = len(text) / lines
    removable = removable_bytes(text)
    return avg_line < 200 and removable / len(text) >= 0.1, removable
