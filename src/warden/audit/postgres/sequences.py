"""Sequences close to their limit, including serial int columns fed by bigint sequences."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity, by_ratio
from warden.audit.postgres._advice import qualified
from warden.audit.postgres._facts import PostgresFacts, SequenceStat, register

_TYPE_MAX = {"smallint": 32767, "integer": 2**31 - 1, "bigint": 2**63 - 1}


def sequence_limit(seq: SequenceStat) -> int:
    """The value at which inserts fail: the sequence's max or its column type's max."""
    column_max = _TYPE_MAX.get(seq.owner_type or "", seq.max_value)
    return min(seq.max_value, column_max)


@register
class Sequences(Check[PostgresFacts]):
    type = "pg.sequences"
    finding_ids = ("pg.sequence_exhaustion",)
    thresholds = {"medium_ratio": 0.6, "high_ratio": 0.8, "critical_ratio": 0.95}

    def run(self, facts: PostgresFacts) -> Iterator[Finding]:
        for seq in facts.sequences:
            if seq.last_value is None or seq.increment <= 0:
                continue
            limit = sequence_limit(seq)
            ratio = seq.last_value / limit
            severity = by_ratio(
                ratio,
                [
                    (self.limit("medium_ratio"), Severity.MEDIUM),
                    (self.limit("high_ratio"), Severity.HIGH),
                    (self.limit("critical_ratio"), Severity.CRITICAL),
                ],
            )
            if severity is None:
                continue
            owner = f" feeding {seq.owner} ({seq.owner_type})" if seq.owner else ""
            if seq.owner and seq.owner_type in {"smallint", "integer"}:
                table, _, column = seq.owner.rpartition(".")
                schema, _, name = table.partition(".")
                fix = (
                    f"ALTER TABLE {qualified(schema, name)} ALTER COLUMN {column} TYPE bigint; "
                    f"(rewrites the table: plan it) and ALTER SEQUENCE "
                    f"{qualified(seq.schema, seq.name)} AS bigint;"
                )
            else:
                fix = f"ALTER SEQUENCE {qualified(seq.schema, seq.name)} MAXVALUE <higher>;"
            yield self.finding(
                "pg.sequence_exhaustion",
                severity,
                f"sequence {seq.qualified}",
                f"sequence {seq.qualified} is {ratio:.0%} used",
                f"last value {seq.last_value} of {limit}{owner}; {limit - seq.last_value} "
                "values left.",
                "When the sequence reaches its limit every insert into the table fails.",
                fix,
                ratio=ratio,
                remaining=limit - seq.last_value,
            )
