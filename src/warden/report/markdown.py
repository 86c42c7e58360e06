"""Markdown output (for tickets and pull requests): tables with escaped cells, headings, lists."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def escape(cell: object) -> str:
    """A value made safe for a Markdown table cell (pipes escaped, newlines folded)."""
    text = "" if cell is None else str(cell)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(escape(h) for h in headers) + " |"]
    lines.append("|" + "|".join("---" for _ in headers) + "|")
    for row in rows:
        lines.append("| " + " | ".join(escape(c) for c in row) + " |")
    return "\n".join(lines)


def heading(text: str, level: int = 2) -> str:
    return f"{'#' * level} {text}"


def bullets(items: Iterable[object]) -> str:
    return "\n".join(f"- {escape(i)}" for i in items)
