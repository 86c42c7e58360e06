"""The one way CLI commands print tables: empty columns go before any name is cut.

``table(columns, rows)`` drops the columns whose every cell is empty (``""`` or ``"-"``, after
markup), keeps the first column (the names) whole up to ``NAME_WIDTH`` characters, and lets
only the columns marked ``wrap`` (messages, errors) fold onto more lines; the others end in "…"
when even that is not enough. Only then does rich
shrink what is left to the terminal's width.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.table import Table
from rich.text import Text

NAME_WIDTH = 40
EMPTY = frozenset({"", "-"})


@dataclass(frozen=True)
class Col:
    header: str
    right: bool = False
    wrap: bool = False
    keep: bool = False
    """Shown even when every cell is empty."""
    whole: bool = False
    """Never wrapped nor cut (short values such as a state)."""


def is_empty(cell: str) -> bool:
    return Text.from_markup(cell).plain.strip() in EMPTY


def table(
    columns: Sequence[Col | str],
    rows: Sequence[Sequence[str]],
    *,
    caption: str | None = None,
) -> Table:
    """A rich Table of ``rows`` without the empty columns; the first column is the name."""
    cols = [c if isinstance(c, Col) else Col(c) for c in columns]
    shown = [
        i
        for i, col in enumerate(cols)
        if i == 0 or col.keep or not rows or any(not is_empty(row[i]) for row in rows)
    ]
    out = Table(box=None, header_style="bold", caption=caption, caption_justify="left")
    for n, i in enumerate(shown):
        col = cols[i]
        if n == 0:
            longest = max([len(Text.from_markup(r[i]).plain) for r in rows] + [len(col.header)])
            out.add_column(col.header, no_wrap=True, min_width=min(longest, NAME_WIDTH))
        elif col.wrap:
            out.add_column(col.header, overflow="fold")
        else:
            out.add_column(
                col.header,
                justify="right" if col.right else "left",
                overflow="ellipsis",
                no_wrap=col.whole,
            )
    for row in rows:
        out.add_row(*(row[i] for i in shown))
    return out
