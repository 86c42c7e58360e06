"""Every billed resource over the analysis window (the last 30 days of data up to the end of
the month asked for), in one scan: what it is, its tags, its cost (monthly), its hours, usage
and storage quantities, its pricing, and when it was first billed and last ran. Waste,
right-sizing and commitments all read this table, so a resource's saving is counted once.
"""

# ruff: noqa: S608 - DuckDB SQL over Warden's own Parquet files; its literals are dates
# and config strings escaped where they are built

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any

from warden.cost.catalog import Catalog, provider_key
from warden.cost.focus import HOURS
from warden.cost.focus import STORED_UNIT as STORED
from warden.cost.lake import Lines
from warden.cost.spend import MONTH_DAYS

WINDOW_DAYS = 30
ON_DEMAND = "lower(coalesce(pricing_category, 'standard')) IN ('standard', 'on-demand')"
SPOT = "lower(pricing_category) = 'dynamic'"
COMMITTED = (
    "(lower(pricing_category) IN ('committed', 'commitment-based') OR commitment_id IS NOT NULL)"
)


@dataclass
class Window:
    lo: dt.date
    hi: dt.date  # exclusive
    days: int  # days with data in the window

    @property
    def factor(self) -> float:
        """Multiplies window sums into monthly amounts."""
        return MONTH_DAYS / max(1, self.days)


def window(last_day: dt.date, month_end: dt.date) -> Window:
    hi = min(month_end, last_day + dt.timedelta(days=1))
    return Window(hi - dt.timedelta(days=WINDOW_DAYS), hi, WINDOW_DAYS)


@dataclass
class Resource:
    id: str
    name: str | None
    rtype: str
    service: str
    category: str
    region: str | None
    provider: str
    tags: dict[str, str]  # the keys the analyses read (user: prefixes folded in)
    monthly: float  # cost per month
    hours: float  # time-based quantity in the window
    usage: float | None  # other quantities (GB, requests, LCU); None: no such line
    gb_months: float | None
    days: int
    on_demand: float  # monthly cost by pricing
    spot: float
    committed: float
    text: str  # SKU, price details, descriptions: where an instance type or class is named
    first_seen: dt.date
    last_run: dt.date | None  # the last day with hours
    itype: str | None = None
    claims: dict[str, float] = field(default_factory=dict)  # saving per opportunity kind

    def tag(self, key: str) -> str | None:
        return self.tags.get(key)

    @property
    def is_instance(self) -> bool:
        return (
            self.category.lower() == "compute"
            and self.hours > 0
            and (
                self.itype is not None
                or "instance" in self.rtype.lower()
                or "virtual machine" in self.rtype.lower()
            )
        )

    @property
    def left(self) -> float:
        """The monthly cost not yet claimed by an opportunity."""
        return max(0.0, self.monthly - sum(self.claims.values()))

    def label(self) -> str:
        return self.name or self.id


def resources(
    lines: Lines, win: Window, catalog: Catalog, keys: list[str]
) -> tuple[list[Resource], History]:
    """The window's resources, costliest first (with the tag ``keys`` the analyses read),
    and the history of every resource."""
    hist = history(lines, win.hi)
    paths = ", ".join(f"'$.\"{p}\"'" for k in keys for p in (_safe(k), f"user:{_safe(k)}"))
    rows = lines.rows(
        f"SELECT * EXCLUDE (g), json_extract_string(g, [{paths}]) FROM (SELECT "
        "resource_id, any_value(resource_name), any_value(resource_type), "
        "any_value(service), any_value(service_category), any_value(region), "
        "any_value(provider), any_value(tags) AS g, sum(cost), "
        f"coalesce(sum(consumed_quantity) FILTER (WHERE {HOURS}), 0), "
        f"sum(consumed_quantity) FILTER (WHERE NOT {HOURS} AND NOT {STORED}), "
        f"sum(consumed_quantity) FILTER (WHERE {STORED}), "
        "datediff('day', min(period_start), max(period_start)) + 1, "
        f"coalesce(sum(cost) FILTER (WHERE {ON_DEMAND} AND NOT {COMMITTED}), 0), "
        f"coalesce(sum(cost) FILTER (WHERE {SPOT}), 0), "
        f"coalesce(sum(cost) FILTER (WHERE {COMMITTED}), 0), "
        "max(sku_id), max(sku_details), max(charge_description) "
        f"FROM bill WHERE charge_category = 'Usage' AND resource_id IS NOT NULL "
        f"AND period_start >= DATE '{win.lo}' AND period_start < DATE '{win.hi}' "
        "GROUP BY resource_id)"
    )
    out = []
    f = win.factor
    for (
        rid,
        name,
        rtype,
        svc,
        cat,
        region,
        prov,
        cost,
        hours,
        usage,
        gbmo,
        days,
        od,
        spot,
        com,
        sku,
        details,
        descr,
        values,
    ) in rows:
        first, last = hist.seen.get(rid, (win.lo, None))
        r = Resource(
            rid,
            name,
            rtype or "",
            svc or "",
            cat or "",
            region,
            provider_key(prov),
            _picked(keys, values),
            (cost or 0.0) * f,
            float(hours or 0.0),
            None if usage is None else float(usage),
            None if gbmo is None else float(gbmo),
            int(days),
            od * f,
            spot * f,
            com * f,
            " ".join(t for t in (sku, details, descr) if t),
            first,
            last,
        )
        if r.category.lower() == "compute":
            r.itype = catalog.type_in(r.text)
        out.append(r)
    return sorted(out, key=lambda r: -r.monthly), hist


@dataclass
class History:
    seen: dict[str, tuple[dt.date, dt.date | None]]  # id -> (first billed, last day of hours)
    instances: dict[str, dt.date]  # id and name of every instance (lower) -> last day of hours


def history(lines: Lines, hi: dt.date) -> History:
    """When each resource was first billed and last ran (from the ``seen`` rollups)."""
    rows = lines.rows(
        "SELECT resource_id, first_day, last_run, compute, resource_name "
        f"FROM bill_seen WHERE first_day < DATE '{hi}'"
    )
    seen: dict[str, tuple[dt.date, dt.date | None]] = {}
    instances: dict[str, dt.date] = {}
    for rid, first, ran, compute, name in rows:
        last = None if ran is None else min(ran, hi - dt.timedelta(days=1))
        seen[rid] = (first, last)
        if compute and last is not None:
            for key in (rid, name):
                if key:
                    instances[key.lower()] = max(last, instances.get(key.lower(), last))
    return History(seen, instances)


def _safe(key: str) -> str:
    return key.replace('"', "").replace("'", "").replace("\\", "")


def _picked(keys: list[str], values: list[str | None] | None) -> dict[str, str]:
    """The tags read (``values`` holds each key's value, then its ``user:`` one)."""
    got = values or [None] * (2 * len(keys))
    out = {}
    for i, k in enumerate(keys):
        v = got[2 * i] if got[2 * i] is not None else got[2 * i + 1]
        if v is not None:
            out[k] = v
    return out


@functools.cache
def lowered(values: tuple[str, ...]) -> frozenset[str]:
    return frozenset(v.lower() for v in values)


def brief(r: Resource, saving: float, detail: str, **extra: Any) -> dict[str, Any]:
    """A resource as an opportunity lists it."""
    return {
        "resource_id": r.id,
        "name": r.name,
        "service": r.service,
        "region": r.region,
        "monthly_cost": round(r.monthly, 2),
        "saving": round(saving, 2),
        "detail": detail,
        **extra,
    }
