"""Reading a statement digest: the tables it names and the columns its WHERE compares."""

from __future__ import annotations

import re

_TABLE_RE = re.compile(r"\b(?:FROM|JOIN|UPDATE)\s+(?:`?(\w+)`?\s*\.\s*)?`?(\w+)`?", re.IGNORECASE)
_COLUMN_RE = re.compile(
    r"(?:`?\w+`?\s*\.\s*)?`(\w+)`\s*(?:=|<=>|<=|>=|<|>|\bIN\b|\bLIKE\b|\bBETWEEN\b|\bIS\b)",
    re.IGNORECASE,
)


def digest_tables(text: str) -> list[str]:
    """``SELECT ... FROM `shop` . `orders` WHERE ...`` -> ``["shop.orders"]`` (or ``orders``)."""
    out = []
    for schema, table in _TABLE_RE.findall(text):
        name = f"{schema}.{table}" if schema else table
        if name not in out and table.upper() not in {"SELECT", "DUAL"}:
            out.append(name)
    return out


def where_columns(text: str) -> list[str]:
    """Backquoted columns compared in the WHERE clause of a digest, in order of appearance."""
    parts = re.split(r"\bWHERE\b", text, maxsplit=1, flags=re.IGNORECASE)
    if len(parts) < 2:
        return []
    out: list[str] = []
    for col in _COLUMN_RE.findall(parts[1]):
        if col not in out:
            out.append(col)
    return out


def index_hint(text: str) -> str:
    """A suggestion such as ``ALTER TABLE orders ADD INDEX (customer_id);`` or a generic one."""
    tables = digest_tables(text)
    cols = where_columns(text)[:2]
    if len(tables) == 1 and cols:
        columns = ", ".join(f"`{c}`" for c in cols)
        return (
            f"ALTER TABLE {tables[0]} ADD INDEX ({columns}); (columns compared in the query; "
            "confirm with EXPLAIN)"
        )
    return "Run EXPLAIN on it and add an index on the columns of its WHERE and JOIN clauses."
