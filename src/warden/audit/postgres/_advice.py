"""Index advice for the PostgreSQL checks: which columns the queries on a table filter by.

Reads normalised statements (pg_stat_statements) that name the table and counts the columns
compared in them (``col = $1`` counts for equality, ``col > $1`` for range), weighted by the
statements' total time. A heuristic, said as such in the findings: confirm with EXPLAIN.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from warden.audit.postgres._facts import Statement, TableStat

_SIMPLE_IDENT = re.compile(r"^[a-z_][a-z0-9_$]*$")
_EQ_OPS = r"=|\bIN\b|\bIS\b"
_RANGE_OPS = r"<=|>=|<>|!=|<|>|\bBETWEEN\b|\bLIKE\b|\bILIKE\b"


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


def advise_index(table: TableStat, statements: list[Statement] | None) -> IndexAdvice | None:
    """Columns worth indexing on ``table`` according to the statements, or None if unknown."""
    if not statements or not table.columns:
        return None
    mention = _mentions(table)
    relevant = [s for s in statements if mention.search(s.query)]
    if not relevant:
        return None
    eq: Counter[str] = Counter()
    rng: Counter[str] = Counter()
    for st in relevant:
        where = re.split(r"\bWHERE\b", st.query, maxsplit=1, flags=re.IGNORECASE)
        text = where[1] if len(where) == 2 else st.query
        for col in table.columns:
            c = re.escape(col)
            base = rf'(?<![\w$])(?:\w+\.)?"?{c}"?\s*'
            if re.search(base + rf"(?:{_EQ_OPS})", text, re.IGNORECASE):
                eq[col] += max(1, int(st.total_ms))
            elif re.search(base + rf"(?:{_RANGE_OPS})", text, re.IGNORECASE):
                rng[col] += max(1, int(st.total_ms))
    columns = [c for c, _ in eq.most_common(2)]
    columns += [c for c, _ in rng.most_common(1) if c not in columns]
    if not columns:
        return None
    top = sorted(relevant, key=lambda s: s.total_ms, reverse=True)[:3]
    return IndexAdvice(tuple(columns), tuple(top))
