"""The FOCUS columns Warden reads (FinOps Open Cost and Usage Specification 1.0 to 1.3), how
each is typed and checked, and the SQL that turns a source's rows into Warden's cost lines.

A source is read by column name; columns Warden does not use are ignored, optional ones may be
missing. Tags stay JSON text (a report groups by it first, then reads the keys of the few
distinct values: much faster than a map per line). Each row gets ``bad``, true when a value
is not of its type; the bad rows' ``errors`` text holds ``Column<US>value`` pairs joined by
``<RS>``, one per bad value.
"""

# ruff: noqa: S608 - DuckDB SQL over Warden's own Parquet files; its literals are dates
# and config strings escaped where they are built

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["money", "number", "time", "text", "json", "category", "currency"]

CATEGORIES = ("Usage", "Purchase", "Tax", "Credit", "Adjustment")
US, RS = "\x1f", "\x1e"


@dataclass(frozen=True, slots=True)
class Column:
    focus: str
    name: str
    kind: Kind
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("BilledCost", "billed_cost", "money", True),
    Column("EffectiveCost", "effective_cost", "money", True),
    Column("ListCost", "list_cost", "money"),
    Column("BillingCurrency", "currency", "currency", True),
    Column("ChargePeriodStart", "period_start", "time", True),
    Column("ChargePeriodEnd", "period_end", "time", True),
    Column("ChargeCategory", "charge_category", "category", True),
    Column("ChargeDescription", "charge_description", "text"),
    Column("ChargeFrequency", "charge_frequency", "text"),
    Column("ServiceName", "service", "text", True),
    Column("ServiceCategory", "service_category", "text"),
    Column("ResourceId", "resource_id", "text"),
    Column("ResourceName", "resource_name", "text"),
    Column("ResourceType", "resource_type", "text"),
    Column("RegionId", "region", "text"),
    Column("Tags", "tags", "json"),
    Column("PricingCategory", "pricing_category", "text"),
    Column("CommitmentDiscountId", "commitment_id", "text"),
    Column("CommitmentDiscountType", "commitment_type", "text"),
    Column("ConsumedQuantity", "consumed_quantity", "number"),
    Column("ConsumedUnit", "consumed_unit", "text"),
    Column("SkuId", "sku_id", "text"),
    Column("SkuPriceDetails", "sku_details", "text"),
)
"""Read by name; ``required`` ones must be present and non-empty on every row."""

PROVIDER = ("ServiceProviderName", "ProviderName")
"""The provider, from FOCUS 1.3's column, else the one it deprecates."""
STATUS = ("CommitmentDiscountStatus", "ChargeSubcategory")
"""Used or unused commitment: 1.1's column, else 1.0's subcategory."""

STORED = [c.name for c in COLUMNS] + ["provider", "commitment_status"]
"""The columns of a stored cost line."""


HOURS = "lower(consumed_unit) IN ('hours', 'hour', 'hrs', 'hr', 'h')"
"""Lines whose quantity is time (an instance's hours)."""
STORED_UNIT = "(lower(consumed_unit) LIKE '%-mo%' OR lower(consumed_unit) LIKE '%month%')"
"""Lines whose quantity is storage over time (GB-Mo)."""

DAILY = (
    "SELECT period_start::DATE AS day, currency, service, service_category, region, "
    "charge_category, charge_frequency, sum(billed_cost) AS billed_cost, "
    "sum(effective_cost) AS effective_cost, sum(list_cost) AS list_cost, count(*) AS n "
    "FROM {src} WHERE NOT bad GROUP BY ALL"
)
"""The daily rollup of a file's lines: months, services, anomalies and forecasts read it."""
SEEN = (
    "SELECT resource_id, currency, any_value(resource_name) AS resource_name, "
    "min(period_start)::DATE AS first_day, "
    f"(max(period_start) FILTER (WHERE {HOURS}))::DATE AS last_run, "
    f"bool_or({HOURS} AND lower(service_category) = 'compute') AS compute "
    "FROM {src} WHERE NOT bad AND resource_id IS NOT NULL GROUP BY 1, 2"
)
"""Each resource of a file: first billed, last day of hours, whether it is an instance."""


def stored_type(name: str) -> str:
    """The DuckDB type of stored column ``name``."""
    kind = next((c.kind for c in COLUMNS if c.name == name), "text")
    return {"money": "DOUBLE", "number": "DOUBLE", "time": "TIMESTAMP"}.get(kind, "VARCHAR")


_VERSION_MARKS = (
    ("1.3", ("ServiceProviderName", "HostProviderName", "ContractApplied")),
    ("1.2", ("InvoiceId", "CapacityReservationId", "BillingAccountType")),
    ("1.1", ("CommitmentDiscountStatus", "ServiceSubcategory", "SkuPriceDetails", "ChargeClass")),
)


def focus_version(columns: set[str]) -> str:
    """The FOCUS version the columns look like (the newest whose new columns appear)."""
    for version, marks in _VERSION_MARKS:
        if any(m in columns for m in marks):
            return version
    return "1.0"


def missing(columns: set[str]) -> list[str]:
    return [c.focus for c in COLUMNS if c.required and c.focus not in columns]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text(raw: str, src_type: str = "VARCHAR") -> str:
    if src_type.upper() == "VARCHAR":
        return f"NULLIF({raw}, '')"
    return f"CAST({raw} AS VARCHAR)"


_NUMERIC = ("DOUBLE", "FLOAT", "DECIMAL", "INTEGER", "BIGINT", "SMALLINT", "HUGEINT", "REAL")


def _typed(col: Column, src_type: str) -> tuple[str, str | None]:
    """(the typed expression, the condition under which the value is bad, or None). Kept
    to what DuckDB runs once per distinct value of a dictionary-encoded column where it can:
    ten million lines are checked in seconds."""
    raw = _q(col.focus)
    text = _text(raw, src_type)
    numeric = src_type.upper().startswith(_NUMERIC)
    if col.kind in ("money", "number"):
        if numeric:
            expr = f"CAST({raw} AS DOUBLE)"
            return expr, f"{raw} IS NULL" if col.required else None
        expr = f"TRY_CAST({text} AS DOUBLE)"
        bad = f"{expr} IS NULL" if col.required else f"{text} IS NOT NULL AND {expr} IS NULL"
        return expr, bad
    if col.kind == "time":
        if src_type.upper() in ("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ"):
            # epoch arithmetic: a time-zone conversion per line would cost seconds
            return f"make_timestamp(epoch_us({raw}))", f"{raw} IS NULL"
        if src_type.upper().startswith(("TIMESTAMP", "DATE")):
            return f"CAST({raw} AS TIMESTAMP)", f"{raw} IS NULL"
        expr = f"make_timestamp(epoch_us(TRY_CAST({text} AS TIMESTAMPTZ)))"
        return expr, f"{expr} IS NULL"
    if col.kind == "category":
        exact = ", ".join(f"'{c}'" for c in CATEGORIES)
        names = ", ".join(f"'{c.lower()}'" for c in CATEGORIES)
        cases = " ".join(f"WHEN '{c.lower()}' THEN '{c}'" for c in CATEGORIES)
        expr = f"CASE WHEN {text} IN ({exact}) THEN {text} ELSE CASE lower({text}) {cases} END END"
        return (
            expr,
            f"{text} IS NULL OR ({text} NOT IN ({exact}) AND lower({text}) NOT IN ({names}))",
        )
    if col.kind == "currency":
        expr = f"upper({text})"
        return expr, f"{text} IS NULL OR length({text}) <> 3"
    if col.kind == "json":
        if src_type.upper().startswith(("MAP", "STRUCT")):
            return f"NULLIF(CAST(to_json({raw}) AS VARCHAR), '{{}}')", None
        ok = f"json_valid({raw}) AND starts_with(ltrim({raw}), '{{')"
        return f"NULLIF({text}, '{{}}')", f"{raw} <> '' AND NOT ({ok})"
    return text, (f"{text} IS NULL" if col.required else None)


def select_sql(types: dict[str, str], row: str, source: str, *, detail: bool = False) -> str:
    """``SELECT`` of the stored columns, ``_row`` (1-based) and ``bad``
    from ``source`` whose columns have the DuckDB ``types``; ``row`` is its 0-based row
    number. With ``detail``, only the bad rows, with ``errors`` naming each bad value
    (cheap checks first: most files have no bad row, and the messages cost more)."""
    parts: list[str] = []
    checks: list[tuple[str, str]] = []
    for col in COLUMNS:
        if col.focus not in types:
            parts.append(f"CAST(NULL AS {stored_type(col.name)}) AS {col.name}")
            continue
        expr, bad = _typed(col, types[col.focus])
        parts.append(f"{expr} AS {col.name}")
        if bad is not None:
            checks.append((col.focus, bad))
    for name, candidates in (("provider", PROVIDER), ("commitment_status", STATUS)):
        got = [_text(_q(c), types[c]) for c in candidates if c in types]
        parts.append(f"coalesce({', '.join(got)}) AS {name}" if got else f"NULL AS {name}")
    if "ChargePeriodStart" in types and "ChargePeriodEnd" in types:
        start = _typed(COLUMNS[4], types["ChargePeriodStart"])[0]
        end = _typed(COLUMNS[5], types["ChargePeriodEnd"])[0]
        checks.append(("ChargePeriodEnd", f"{end} < {start}"))
    any_bad = " OR ".join(f"coalesce({bad}, true)" for _, bad in checks) or "false"
    if not detail:
        return f"SELECT {row} + 1 AS _row, {', '.join(parts)}, ({any_bad}) AS bad FROM {source}"
    shown = [
        f"CASE WHEN coalesce({bad}, true) THEN '{focus}{US}' || "
        + (
            "'before the start'"
            if focus == "ChargePeriodEnd" and "<" in bad
            else f"coalesce(CAST({_q(focus)} AS VARCHAR), '')"
        )
        + " END"
        for focus, bad in checks
    ]
    return (
        f"SELECT {row} + 1 AS _row, concat_ws('{RS}', {', '.join(shown)}) AS errors "
        f"FROM {source} WHERE {any_bad}"
    )


def reasons(errors: str) -> list[tuple[str, str]]:
    """The (column, value) pairs of a row's ``errors`` text."""
    out = []
    for part in errors.split(RS):
        column, _, value = part.partition(US)
        out.append((column, value))
    return out


def describe(column: str, value: str) -> str:
    """Why ``value`` is not good for FOCUS ``column``."""
    if column == "ChargePeriodEnd" and value == "before the start":
        return "ChargePeriodEnd is before ChargePeriodStart"
    kind = next((c.kind for c in COLUMNS if c.focus == column), "text")
    shown = repr(value[:60]) if value else "empty"
    expected = {
        "money": "a number",
        "number": "a number",
        "time": "an ISO 8601 date and time",
        "category": "one of " + ", ".join(CATEGORIES),
        "currency": "a 3-letter currency code",
        "json": "a JSON object",
        "text": "a value",
    }[kind]
    return f"{shown} is not {expected}"
