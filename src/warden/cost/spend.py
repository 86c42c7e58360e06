"""Spend over the cost lines: the bill's coverage and currency, months, and one month by
category, service, region, charge category and tag key, with the untagged share, the top
resources, the change from the month before, the month-end forecast and budgets.

Queries run on the view ``bill``: the lines in the bill's main currency (the one with the most
spend; others are reported apart, never added up with it). The measure is EffectiveCost
(amortized, after discounts) or BilledCost, per ``cost.measure``.
"""

# ruff: noqa: S608 - DuckDB SQL over Warden's own Parquet files; its literals are dates
# and config strings escaped where they are built

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from warden.cost.config import BudgetConfig, CostConfig
from warden.cost.lake import Lines

MONTH_DAYS = 365.25 / 12
USAGE = "charge_category = 'Usage' AND coalesce(charge_frequency, 'Usage-Based') <> 'Recurring'"
"""Lines of usage proper: no purchase, tax, credit, nor monthly fee."""


def tag(key: str, column: str = "tags") -> str:
    """SQL for tag ``key`` of a line (AWS exports prefix user tags with ``user:``)."""
    k = key.replace('"', "").replace("'", "''").replace("\\", "")
    return (
        f"coalesce(json_extract_string({column}, '$.\"{k}\"'), "
        f"json_extract_string({column}, '$.\"user:{k}\"'))"
    )


def measure(config: CostConfig) -> str:
    return "effective_cost" if config.measure == "effective" else "billed_cost"


def r2(v: float | None) -> float | None:
    return None if v is None else round(float(v), 2)


def month_range(month: str) -> tuple[dt.date, dt.date]:
    y, m = (int(x) for x in month.split("-"))
    first = dt.date(y, m, 1)
    return first, dt.date(y + m // 12, m % 12 + 1, 1)


def shift_month(month: str, by: int) -> str:
    y, m = (int(x) for x in month.split("-"))
    n = y * 12 + m - 1 + by
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


@dataclass
class Coverage:
    currency: str | None
    other_currencies: dict[str, float]
    first_day: dt.date | None
    last_day: dt.date | None  # the last day with usage lines


def coverage(lines: Lines, config: CostConfig) -> Coverage:
    """What the data covers; creates the ``bill`` view (lines in the main currency)."""
    cost = measure(config)
    by = lines.rows(
        f"SELECT currency, sum({cost}), min(day), max(day) FILTER (WHERE charge_category = "
        "'Usage'), max(day) FROM daily GROUP BY 1 ORDER BY 2 DESC"
    )
    currency = by[0][0] if by else None
    others = {str(c): round(float(v or 0), 2) for c, v, *_ in by[1:]}
    lit = "NULL" if currency is None else "'" + str(currency).replace("'", "''") + "'"
    for view, table, extra in (
        ("bill", "lines", f", {cost} AS cost"),
        ("bill_daily", "daily", f", {cost} AS cost"),
        ("bill_seen", "seen", ""),
    ):
        lines.con.execute(
            f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT *{extra} "
            f"FROM {table} WHERE currency = {lit}"
        )
    if not by:
        return Coverage(None, {}, None, None)
    return Coverage(currency, others, by[0][2], by[0][3] or by[0][4])


def monthly(lines: Lines) -> list[dict[str, Any]]:
    """Every month's spend (measure, billed, list) and its split by service."""
    rows = lines.rows(
        "SELECT strftime(m, '%Y-%m'), service, c, b, l FROM (SELECT date_trunc('month', "
        "day) m, service, sum(cost) c, sum(billed_cost) b, sum(list_cost) l "
        "FROM bill_daily GROUP BY ALL) ORDER BY 1, 3 DESC"
    )
    out: dict[str, dict[str, Any]] = {}
    for month, service, c, b, lst in rows:
        m = out.setdefault(
            month,
            {"month": month, "cost": 0.0, "billed_cost": 0.0, "list_cost": 0.0, "by_service": {}},
        )
        m["cost"] += c or 0.0
        m["billed_cost"] += b or 0.0
        m["list_cost"] += lst or 0.0
        m["by_service"][service] = r2(c)
    result = list(out.values())
    for i, m in enumerate(result):
        before = result[i - 1]["cost"] if i else None
        m["change_ratio"] = None if not before else round((m["cost"] - before) / before, 4)
        for k in ("cost", "billed_cost", "list_cost"):
            m[k] = r2(m[k])
    return result


def _split(rows: list[tuple[Any, ...]], total: float) -> list[dict[str, Any]]:
    return [
        {"name": name, "cost": r2(c), "share": round(c / total, 4) if total else None}
        for name, c in rows
        if c
    ]


def _between(lo: dt.date, hi: dt.date, column: str = "period_start") -> str:
    return f"{column} >= DATE '{lo}' AND {column} < DATE '{hi}'"


def breakdown(lines: Lines, config: CostConfig, month: str, top: int = 10) -> dict[str, Any]:
    """``month``'s spend by category, service (with the month before), region, charge
    category and tag key; the untagged share; the ``top`` resources."""
    lo, hi = month_range(month)
    where = _between(lo, hi)
    sets = lines.rows(
        "SELECT service_category, service, region, charge_category, sum(cost), sum(billed_cost),"
        " sum(list_cost), grouping(service_category, service, region, charge_category) "
        f"FROM bill_daily WHERE {_between(lo, hi, 'day')} GROUP BY GROUPING SETS "
        "((service_category), (service), "
        "(region), (charge_category), ()) ORDER BY 5 DESC"
    )
    total = billed = listed = 0.0
    groups: dict[int, list[tuple[Any, float]]] = {}
    for cat, svc, reg, chg, c, b, lst, g in sets:
        if g == 15:
            total, billed, listed = c or 0.0, b or 0.0, lst or 0.0
            continue
        name = cat if g == 7 else svc if g == 11 else reg if g == 13 else chg
        groups.setdefault(g, []).append((name or "(none)", c or 0.0))
    plo, _ = month_range(shift_month(month, -1))
    before = dict(
        lines.rows(
            f"SELECT service, sum(cost) FROM bill_daily WHERE {_between(plo, lo, 'day')} GROUP BY 1"
        )
    )
    services = _split(groups.get(11, []), total)
    for s in services:
        prev = before.get(s["name"])
        s["previous"] = r2(prev)
        s["change"] = r2(s["cost"] - (prev or 0.0))
        s["change_ratio"] = round((s["cost"] - prev) / prev, 4) if prev else None
    tags, untagged = _by_tag(lines, where, config.tag_keys, total)
    top_rows = lines.rows(
        "SELECT resource_id, any_value(resource_name), any_value(resource_type), "
        "any_value(service), any_value(region), sum(cost) c FROM bill WHERE "
        f"{where} AND resource_id IS NOT NULL GROUP BY 1 ORDER BY c DESC LIMIT {int(top)}"
    )
    return {
        "total": r2(total),
        "billed_total": r2(billed),
        "list_total": r2(listed),
        "by_category": _split(groups.get(7, []), total),
        "by_service": services,
        "by_region": _split(groups.get(13, []), total),
        "by_charge_category": _split(groups.get(14, []), total),
        "by_tag": tags,
        "untagged": untagged,
        "top_resources": [
            {
                "resource_id": rid,
                "name": name,
                "type": rtype,
                "service": svc,
                "region": reg,
                "cost": r2(c),
                "share": round(c / total, 4) if total else None,
            }
            for rid, name, rtype, svc, reg, c in top_rows
        ],
    }


def _by_tag(
    lines: Lines, where: str, keys: list[str], total: float
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    """Spend per value of each tag key (``None``: lines without the key), and the spend of
    lines carrying none of the keys. Grouped by the tags text first: JSON is read once per
    distinct value, not per line."""
    picked = ", ".join(f"{tag(k)} AS k{i}" for i, k in enumerate(keys))
    none = " AND ".join(f"k{i} IS NULL" for i in range(len(keys))) or "true"
    rows = (
        lines.rows(
            f"WITH g AS (SELECT tags, sum(cost) AS c FROM bill WHERE {where} GROUP BY 1), "
            f"t AS (SELECT {picked}, c FROM g) "
            f"SELECT {', '.join(f'k{i}' for i in range(len(keys)))}, sum(c), "
            f"grouping({', '.join(f'k{i}' for i in range(len(keys)))}) FROM t GROUP BY "
            f"GROUPING SETS ({', '.join(f'(k{i})' for i in range(len(keys)))}) "
            f"UNION ALL SELECT {', '.join('NULL' for _ in keys)}, sum(c), -1 FROM t WHERE {none}"
        )
        if keys
        else []
    )
    per: dict[str, list[tuple[str | None, float]]] = {k: [] for k in keys}
    untagged = 0.0
    full = (1 << len(keys)) - 1
    for *values, cost, g in rows:
        if g == -1:
            untagged = float(cost or 0.0)
            continue
        i = next(i for i in range(len(keys)) if not (g >> (len(keys) - 1 - i)) & 1)
        if g != full:
            per[keys[i]].append((values[i], float(cost or 0.0)))
    out = {}
    for k, pairs in per.items():
        ranked = sorted(pairs, key=lambda kv: -kv[1])
        out[k] = [
            {"value": v, "cost": r2(c), "share": round(c / total, 4) if total else None}
            for v, c in ranked
        ]
    share = round(untagged / total, 4) if total else None
    return out, {"cost": r2(untagged), "share": share, "keys": keys}


def daily_totals(
    lines: Lines, lo: dt.date, hi: dt.date, where: str = "true", *, lines_table: bool = False
) -> dict[dt.date, float]:
    """Spend per day (from the daily rollup; from the lines for a condition on tags)."""
    table, day = ("bill", "period_start::DATE") if lines_table else ("bill_daily", "day")
    rows = lines.rows(
        f"SELECT {day}, sum(cost) FROM {table} WHERE {_between(lo, hi, day)} AND {where} GROUP BY 1"
    )
    return {d: float(c or 0.0) for d, c in rows}


def forecast(lines: Lines, month: str, actual: float, last_day: dt.date | None) -> dict[str, Any]:
    """Month-end spend: the actual to date plus the run rate of the last 7 days of usage
    (a whole week, so weekends count as often as they occur) times the days left."""
    lo, hi = month_range(month)
    days = (hi - lo).days
    if last_day is None or last_day >= hi - dt.timedelta(days=1) or last_day < lo:
        complete = last_day is not None and last_day >= hi - dt.timedelta(days=1)
        return {
            "month_end": r2(actual),
            "complete": complete,
            "days_with_data": days if complete else 0,
            "days_in_month": days,
            "run_rate_per_day": None,
            "method": "actual" if complete else "no data",
        }
    week = daily_totals(
        lines, last_day - dt.timedelta(days=6), last_day + dt.timedelta(days=1), USAGE
    )
    rate = sum(week.values()) / 7
    left = (hi - last_day).days - 1
    return {
        "month_end": r2(actual + rate * left),
        "complete": False,
        "days_with_data": (last_day - lo).days + 1,
        "days_in_month": days,
        "run_rate_per_day": r2(rate),
        "method": "actual to date + mean daily usage of the last 7 days x days left",
    }


def budgets(
    lines: Lines,
    config: CostConfig,
    month: str,
    total: float,
    fc: dict[str, Any],
    last_day: dt.date | None,
) -> list[dict[str, Any]]:
    """Each budget's actual and month-end forecast against its amount; ``flag`` when the
    variance (of the forecast while the month runs) is above ``variance_threshold``."""
    lo, hi = month_range(month)
    out = []
    for b in config.budgets:
        cond = _budget_where(b)
        tagged = b.tag is not None
        table, day = ("bill", "period_start") if tagged else ("bill_daily", "day")
        actual = (
            total
            if cond == "true"
            else float(
                lines.rows(
                    f"SELECT coalesce(sum(cost), 0) FROM {table} WHERE {_between(lo, hi, day)} "
                    f"AND {cond}"
                )[0][0]
            )
        )
        projected = actual
        if not fc["complete"] and fc["run_rate_per_day"] is not None and last_day is not None:
            week = daily_totals(
                lines,
                last_day - dt.timedelta(days=6),
                last_day + dt.timedelta(days=1),
                f"{USAGE} AND {cond}",
                lines_table=tagged,
            )
            projected = actual + sum(week.values()) / 7 * ((hi - last_day).days - 1)
        basis = projected if not fc["complete"] else actual
        variance = (basis - b.monthly) / b.monthly
        flag = abs(variance) > config.variance_threshold
        status = ("over" if variance > 0 else "under") if flag else "ok"
        out.append(
            {
                "name": b.label(),
                "tag": b.tag,
                "value": b.value,
                "service": b.service,
                "monthly": r2(b.monthly),
                "actual": r2(actual),
                "forecast": r2(projected),
                "basis": "actual" if fc["complete"] else "forecast",
                "variance": r2(basis - b.monthly),
                "variance_ratio": round(variance, 4),
                "flag": flag,
                "status": status,
            }
        )
    return out


def _budget_where(b: BudgetConfig) -> str:
    if b.tag is not None and b.value is not None:
        return f"{tag(b.tag)} = '" + b.value.replace("'", "''") + "'"
    if b.service is not None:
        return "service = '" + b.service.replace("'", "''") + "'"
    return "true"
