"""Index advice for the PostgreSQL checks: an index per query shape on a table.

Reads normalised statements (pg_stat_statements) that name the table and, for each, the columns
its WHERE clause compares: equality (``col = $1``, ``IN``, ``IS``) and range (``<``, ``>``,
``<=``, ``>=``, ``BETWEEN``). Each statement suggests equality columns in the order written,
then at most one range column: a B-tree index that statement can use. Statements that suggest
the same columns are one shape; a shape whose columns lead another's is served by that one.
Columns of unrelated statements are never mixed. A heuristic, said as such in the findings:
confirm with EXPLAIN.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from warden.audit.postgres._facts import Statement, TableStat

_SIMPLE_IDENT = re.compile(r"^[a-z_][a-z0-9_$]*$")
_EQ_OPS = r"=|\bIN\b|\bIS\b"
_RANGE_OPS = r"<=|>=|<(?!>)|>|\bBETWEEN\b"
MAX_SUGGESTIONS = 3


def ident(name: str) -> str:
    """``orders`` -> ``orders``; ``Order Items`` -> ``"Order Items"`` (SQL identifier quoting)."""
    if _SIMPLE_IDENT.match(name):
        return name
    return '"' + name.replace('"', '""') + '"'


def qualified(schema: str, name: str) -> str:
    return f"{ident(schema)}.{ident(name)}"


@dataclass(frozen=True, slots=True)
class IndexAdvice:
    columns: tuple[str, ...]
    statements: tuple[Statement, ...]

    def create_statement(self, table: TableStat) -> str:
        cols = ", ".join(ident(c) for c in self.columns)
        return f"CREATE INDEX CONCURRENTLY ON {qualified(table.schema, table.name)} ({cols});"


def _mentions(table: TableStat) -> re.Pattern[str]:
    name = re.escape(table.name)
    schema = re.escape(table.schema)
    return re.compile(
        rf'\b(?:FROM|JOIN|UPDATE)\s+(?:"?{schema}"?\.)?"?{name}"?(?![\w.])', re.IGNORECASE
    )


def _shape(table: TableStat, query: str) -> tuple[str, ...]:
    """The index columns one statement can use: its equality columns, then one range column."""
    where = re.split(r"\bWHERE\b", query, maxsplit=1, flags=re.IGNORECASE)
    text = where[1] if len(where) == 2 else query
    eq: list[tuple[int, str]] = []
    rng: list[tuple[int, str]] = []
    for col in table.columns:
        base = rf'(?<![\w$])(?:\w+\.)?"?{re.escape(col)}"?\s*'
        if found := re.search(base + rf"(?:{_EQ_OPS})", text, re.IGNORECASE):
            eq.append((found.start(), col))
        elif found := re.search(base + rf"(?:{_RANGE_OPS})", text, re.IGNORECASE):
            rng.append((found.start(), col))
    columns = [c for _, c in sorted(eq)]
    columns += [c for _, c in sorted(rng)[:1]]
    return tuple(columns)


def advise_indexes(table: TableStat, statements: list[Statement] | None) -> list[IndexAdvice]:
    """One index per query shape on ``table``, the costliest first (empty if none is known)."""
    if not statements or not table.columns:
        return []
    mention = _mentions(table)
    shapes: dict[tuple[str, ...], list[Statement]] = {}
    for st in statements:
        if mention.search(st.query) and (columns := _shape(table, st.query)):
            shapes.setdefault(columns, []).append(st)
    # a shape whose columns lead a longer shape's is served by the longer index
    for columns in sorted(shapes, key=len):
        longer = [o for o in shapes if len(o) > len(columns) and o[: len(columns)] == columns]
        if longer:
            target = max(longer, key=lambda o: sum(s.total_ms for s in shapes[o]))
            shapes[target] += shapes.pop(columns)
    ranked = sorted(shapes.items(), key=lambda kv: -sum(s.total_ms for s in kv[1]))
    return [
        IndexAdvice(columns, tuple(sorted(sts, key=lambda s: s.total_ms, reverse=True)[:3]))
        for columns, sts in ranked[:MAX_SUGGESTIONS]
    ]
