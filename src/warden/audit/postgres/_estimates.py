"""Bloat estimates from pg_class and pg_stats, in the spirit of the usual catalog queries.

Expected size = rows x (header + aligned data width + line pointer) spread over the usable
space of a page at the fillfactor. Wasted = actual pages - expected pages. Only an estimate:
it needs fresh statistics (ANALYZE) and ignores TOAST and alignment padding inside rows.
"""

from __future__ import annotations

import math
from typing import Any

from warden.audit._base import Check, Severity
from warden.audit.postgres._facts import IndexStat, TableStat

BLOAT_THRESHOLDS = {
    "medium_bytes": 100 * 1024**2,
    "high_bytes": 1024**3,
    "min_ratio": 0.3,
    "high_ratio": 0.5,
}
"""Defaults shared by the table and index bloat checks (each can be overridden per check)."""

_PAGE_HEADER = 24
_HEAP_TUPLE_HEADER = 24
_INDEX_TUPLE_HEADER = 8
_LINE_POINTER = 4
_BTREE_SPECIAL = 16
_BTREE_FILLFACTOR = 0.9


def _maxalign(n: float) -> float:
    return math.ceil(n / 8) * 8


def table_waste(t: TableStat, block_size: int) -> int | None:
    """Estimated wasted bytes in the table's main fork, or None without statistics."""
    if t.row_width is None or t.reltuples <= 0 or t.relpages <= 0:
        return None
    tuple_bytes = _HEAP_TUPLE_HEADER + _maxalign(t.row_width) + _LINE_POINTER
    usable = (block_size - _PAGE_HEADER) * t.fillfactor / 100
    expected = math.ceil(t.reltuples * tuple_bytes / usable)
    return max(0, (t.relpages - expected) * block_size)


def index_waste(ix: IndexStat, block_size: int) -> int | None:
    """Estimated wasted bytes of a B-tree index, or None when it cannot be estimated."""
    if ix.method != "btree" or ix.key_width is None or ix.reltuples <= 0 or ix.relpages <= 1:
        return None
    tuple_bytes = _INDEX_TUPLE_HEADER + _maxalign(ix.key_width) + _LINE_POINTER
    usable = (block_size - _PAGE_HEADER - _BTREE_SPECIAL) * _BTREE_FILLFACTOR
    leaf = math.ceil(ix.reltuples * tuple_bytes / usable)
    expected = math.ceil(leaf * 1.02) + 1  # inner pages and the metapage
    return max(0, (ix.relpages - expected) * block_size)


def grade_bloat(
    check: Check[Any], waste: float | None, actual: int
) -> tuple[Severity, float] | None:
    """(severity, wasted share) when ``waste`` of ``actual`` bytes crosses the check's limits."""
    if waste is None or not actual:
        return None
    ratio = waste / actual
    if waste < check.limit("medium_bytes") or ratio < check.limit("min_ratio"):
        return None
    high = waste >= check.limit("high_bytes") and ratio >= check.limit("high_ratio")
    return (Severity.HIGH if high else Severity.MEDIUM), ratio
