"""Paging of long lists on the pages: which page, how many, "Showing 101-200 of 10,000" (with
an en dash), and links to other pages that keep the rest of the query (the filters).

Pages are numbered from 1 (``?page=2``); a page past the end shows the last one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

AROUND = 2  # page numbers linked on each side of the current one


@dataclass(frozen=True, slots=True)
class Pager:
    page: int
    size: int
    total: int
    path: str = "/"
    query: tuple[tuple[str, str], ...] = field(default=())  # other parameters, in order

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    @property
    def first(self) -> int:
        """1-based index of the first item shown (0 when there is none)."""
        return self.offset + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.offset + self.size, self.total)

    def text(self) -> str:
        if not self.total:
            return "No monitors match."
        return f"Showing {self.first:,}\u2013{self.last:,} of {self.total:,}"

    def href(self, page: int) -> str:
        params = list(self.query) + ([("page", str(page))] if page > 1 else [])
        return f"{self.path}?{urlencode(params)}" if params else self.path

    def numbers(self) -> list[int | None]:
        """Page numbers to link: the first, the last and those around the current one; None
        where numbers are left out."""
        keep = {1, self.pages, *range(self.page - AROUND, self.page + AROUND + 1)}
        out: list[int | None] = []
        for n in sorted(k for k in keep if 1 <= k <= self.pages):
            if out and out[-1] is not None and n - out[-1] > 1:
                out.append(None)
            out.append(n)
        return out


def pager(asked: int, size: int, total: int, path: str, query: Iterable[tuple[str, str]]) -> Pager:
    """The pager for page ``asked`` (clamped to the pages there are) of ``total`` items;
    ``query`` is the request's parameters (``page`` and empty values are dropped)."""
    kept = tuple((k, v) for k, v in query if k != "page" and v != "")
    pages = max(1, math.ceil(total / size))
    return Pager(min(max(1, asked), pages), size, total, path, kept)
