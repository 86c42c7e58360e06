"""Constraints added NOT VALID and never validated: old rows are not checked."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity
from warden.audit.postgres._advice import ident, qualified
from warden.audit.postgres._facts import PostgresFacts, register

_KINDS = {"f": "foreign key", "c": "check"}


@register
class InvalidConstraints(Check[PostgresFacts]):
    type = "pg.invalid_constraints"
    finding_ids = ("pg.invalid_constraint",)

    def run(self, facts: PostgresFacts) -> Iterator[Finding]:
        for c in facts.invalid_constraints:
            kind = _KINDS.get(c.kind, "constraint")
            table = qualified(c.schema, c.table)
            yield self.finding(
                "pg.invalid_constraint",
                Severity.LOW,
                f"constraint {c.schema}.{c.table}.{c.name}",
                f"{kind} {c.name} on {c.schema}.{c.table} is not validated",
                f"pg_constraint.convalidated is false for {kind} {c.name}.",
                "New rows are checked but existing ones may violate it, and the planner "
                "cannot rely on it.",
                f"ALTER TABLE {table} VALIDATE CONSTRAINT {ident(c.name)};",
            )
