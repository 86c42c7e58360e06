"""Invalid indexes, left by a failed CREATE INDEX CONCURRENTLY: maintained but never used."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity, human_bytes
from warden.audit.postgres._advice import qualified
from warden.audit.postgres._facts import PostgresFacts, register


@register
class InvalidIndexes(Check[PostgresFacts]):
    type = "pg.invalid_indexes"
    finding_ids = ("pg.invalid_index",)

    def run(self, facts: PostgresFacts) -> Iterator[Finding]:
        for ix in facts.indexes:
            if ix.valid:
                continue
            name = qualified(ix.schema, ix.name)
            building = " A CREATE INDEX is running on the table now." if ix.building else ""
            yield self.finding(
                "pg.invalid_index",
                Severity.LOW if ix.building else Severity.HIGH,
                f"index {ix.qualified}",
                f"index {ix.qualified} is invalid",
                f"pg_index.indisvalid is false for {ix.definition} "
                f"({human_bytes(ix.size_bytes)}).{building}",
                "The planner never uses an invalid index, yet every write still updates it; a "
                "unique one may not enforce uniqueness. Queries expecting it fall back to scans.",
                f"DROP INDEX CONCURRENTLY {name}; then create it again (fix the duplicate rows "
                f"first for a unique index), or REINDEX INDEX CONCURRENTLY {name};",
                size_bytes=ix.size_bytes,
            )
