"""``warden cost report``: one JSON shape (schema ``warden.cost/v1``) that the CLI prints and
renders, the API serves, the dashboard draws and the MCP tools page through.

``cost_report`` reads the cost lines of the data directory and, for right-sizing, Warden's
own host samples in the store. Spend is for the month asked for (default: the month of the
latest data); anomalies are the month's; waste, right-sizing and commitments are monthly
amounts over the last 30 days of data up to the month's end. Opportunities never overlap:
each resource's saving is counted once, in the order waste, right-sizing, schedule, spot,
commitment; the 3-year commitment is an alternative to the 1-year one, not added.
"""

# ruff: noqa: S608 - DuckDB SQL over Warden's own Parquet files; its literals are dates
# and config strings escaped where they are built

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine

from warden.cost import anomalies as anom
from warden.cost import catalog as cat
from warden.cost.audit import opportunities
from warden.cost.commitments import commitments
from warden.cost.config import CostConfig
from warden.cost.lake import Lines
from warden.cost.resources import resources, window
from warden.cost.rightsizing import host_usage, rightsizing
from warden.cost.spend import (
    breakdown,
    budgets,
    coverage,
    forecast,
    month_range,
    monthly,
    r2,
    shift_month,
)
from warden.cost.waste import waste, waste_json

SCHEMA = "warden.cost/v1"


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="seconds")


def check_month(month: str) -> str:
    """``month`` as YYYY-MM (``2025-6`` gives ``2025-06``), else ValueError. Years 1970 to
    9998 only: the report also reads the month before and the one after."""
    try:
        when = dt.datetime.strptime(month, "%Y-%m")
    except ValueError:
        raise ValueError(f"month {month!r}: expected YYYY-MM, e.g. 2025-06") from None
    if not 1970 <= when.year <= 9998:
        raise ValueError(f"month {month!r}: expected a year from 1970 to 9998")
    return f"{when.year:04d}-{when.month:02d}"


def cost_report(
    root: Path,
    config: CostConfig,
    now: float,
    *,
    month: str | None = None,
    engine: Engine | None = None,
    series: bool = False,
) -> dict[str, Any]:
    """The whole report; ``series`` adds the daily spend of the top services (charts)."""
    if month is not None:
        month = check_month(month)
    with Lines(root) as lines:
        cov = coverage(lines, config)
        base: dict[str, Any] = {
            "time": _iso(now),
            "data_dir": str(root),
            "currency": cov.currency,
            "other_currencies": cov.other_currencies,
            "measure": f"{config.measure}_cost",
            "data": {
                "files": len(lines.manifest.files),
                "rows": sum(f.rows for f in lines.manifest.files),
                "first_day": _day(cov.first_day),
                "last_day": _day(cov.last_day),
                "months": [],
            },
        }
        if cov.last_day is None:
            return {
                **base,
                "month": month,
                "empty": True,
                "months": [],
                "budgets": [],
                "opportunities": [],
                "assumptions": assumptions(config),
            }
        month = month or cov.last_day.strftime("%Y-%m")
        lo, hi = month_range(month)
        spend = breakdown(lines, config, month)
        fc = forecast(lines, month, spend["total"] or 0.0, cov.last_day)
        months = monthly(lines)
        out_data = base["data"]
        out_data["months"] = [m["month"] for m in months]
        prev = next((m["cost"] for m in months if m["month"] == shift_month(month, -1)), None)
        spend["previous_month"] = prev
        spend["change"] = None if prev is None else r2((spend["total"] or 0.0) - prev)
        spend["change_ratio"] = round(((spend["total"] or 0.0) - prev) / prev, 4) if prev else None
        spend["forecast"] = fc
        found = anom.anomalies(
            lines, config.anomalies, lo, min(hi, cov.last_day + dt.timedelta(days=1))
        )
        out = {
            **base,
            "month": month,
            "empty": False,
            "months": months,
            "spend": spend,
            "budgets": budgets(lines, config, month, spend["total"] or 0.0, fc, cov.last_day),
            "budget_line": _budget_line(config),
            "anomalies": {
                "method": anom.method(config.anomalies),
                "items": [a.json() for a in found],
            },
        }
        out.update(_opportunities(lines, config, cov.last_day, hi, now, engine))
        if series:
            out["daily"] = _daily(lines, min(cov.last_day, hi - dt.timedelta(days=1)), found)
    return out


def tag_keys(config: CostConfig) -> list[str]:
    """The tag keys the analyses read."""
    keys = [
        config.env_tag,
        *config.commitments.spot_tags,
        *config.waste.attachment_tags,
        "Name",
        "host",
        "hostname",
        *config.tag_keys,
    ]
    return list(dict.fromkeys(keys))


def _day(d: dt.date | None) -> str | None:
    return None if d is None else d.isoformat()


def _budget_line(config: CostConfig) -> dict[str, Any] | None:
    whole = [b for b in config.budgets if b.tag is None and b.service is None]
    if whole:
        return {"label": whole[0].label(), "monthly": whole[0].monthly}
    if config.budgets:
        return {"label": "sum of budgets", "monthly": sum(b.monthly for b in config.budgets)}
    return None


def _opportunities(
    lines: Lines,
    config: CostConfig,
    last_day: dt.date,
    month_end: dt.date,
    now: float,
    engine: Engine | None,
) -> dict[str, Any]:
    """Waste, right-sizing, commitments and the audit over the 30 days of data before the
    month's end."""
    win = window(last_day, month_end)
    row = lines.rows(
        "SELECT count(DISTINCT day) FROM bill_daily WHERE charge_category = 'Usage' "
        f"AND day >= DATE '{win.lo}' AND day < DATE '{win.hi}'"
    )[0]
    win.days = int(row[0] or 0) or 1
    catalog = cat.load(config.catalog)
    res, hist = resources(lines, win, catalog, tag_keys(config))
    usage = host_usage(engine, config, now) if engine is not None else []
    sized, idle = rightsizing(res, usage, catalog, config)
    wasted = waste(lines, res, hist, win, config, idle)
    committed = commitments(lines, res, win, config)
    current = lines.rows(
        "SELECT service_category, sum(cost) FROM bill_daily WHERE day >= DATE "
        f"'{win.lo}' AND day < DATE '{win.hi}' GROUP BY 1 ORDER BY 2 DESC"
    )
    by_category = [
        {"name": c or "(none)", "monthly": r2((v or 0.0) * win.factor)} for c, v in current if v
    ]
    audit = opportunities(sized, wasted, committed, config)
    monthly_now = sum(float(c["monthly"] or 0.0) for c in by_category)
    saving = sum(o["monthly_saving"] for o in audit)
    return {
        "window": {
            "from": win.lo.isoformat(),
            "to": (win.hi - dt.timedelta(days=1)).isoformat(),
            "days_with_data": win.days,
        },
        "rightsizing": sized,
        "waste": waste_json(wasted),
        "commitments": committed,
        "opportunities": audit,
        "audit": {
            "current_monthly": r2(monthly_now),
            "by_category": by_category,
            "total_saving": r2(saving),
            "new_monthly": r2(monthly_now - saving),
            "saving_ratio": round(saving / monthly_now, 4) if monthly_now else None,
        },
        "assumptions": assumptions(config),
    }


def _daily(lines: Lines, last_day: dt.date, found: list[anom.Anomaly]) -> dict[str, Any]:
    """The last 90 days of usage spend of the 6 costliest services and of any with an
    anomaly (epoch seconds and values, for uPlot)."""
    lo = last_day - dt.timedelta(days=89)
    days, series = anom.daily(lines, lo, last_day + dt.timedelta(days=1))
    ranked = sorted(series, key=lambda s: -float(np.nansum(series[s])))
    keep = list(dict.fromkeys([*ranked[:6], *(a.service for a in found)]))
    xs = [dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC).timestamp() for d in days]
    return {
        "x": xs,
        "services": {
            s: [None if math.isnan(v) else round(float(v), 2) for v in series[s]]
            for s in keep
            if s in series
        },
    }


def assumptions(config: CostConfig) -> list[str]:
    """What the figures rest on, in words, printed with every report."""
    c, w, rs = config.commitments, config.waste, config.rightsizing
    what = (
        "EffectiveCost (amortized, after discounts)"
        if config.measure == "effective"
        else "BilledCost (as invoiced)"
    )
    return [
        f"Spend is {what} in the bill's main currency; monthly amounts scale the last "
        "30 days of data to 30.44 days.",
        f"Right-sizing: P{rs.cpu_percentile:g} CPU with {rs.cpu_headroom:.0%} headroom and "
        f"P{rs.memory_percentile:g} memory with {rs.memory_headroom:.0%} headroom over "
        f"{rs.lookback / 86400:g} days of Warden's host samples; prices from the shipped "
        "instance catalog (on-demand, Linux, USD, 2025-01) unless cost.catalog gives yours"
        + (
            f"; 1 USD = {config.currency_per_usd:g} in the bill's currency."
            if config.currency_per_usd != 1
            else "."
        ),
        f"Commitments: 1 year saves {c.one_year_discount:.0%} and 3 years "
        f"{c.three_year_discount:.0%} of on-demand; spot saves {c.spot_discount:.0%}. Only "
        "steady production instances are committed; non-production and fault-tolerant ones "
        "go to spot.",
        f"Non-production ({', '.join(config.nonprod_values[:4])}, ... in tag "
        f"{config.env_tag}) running over {w.day_hours:g} h a day would run "
        f"{w.scheduled_hours_per_week:g} h a week on a schedule.",
        f"Old snapshots: first billed over {w.snapshot_days} days ago. Lifecycle: data older "
        f"than {w.lifecycle_days} days in the standard class saves {w.lifecycle_saving:.0%} "
        "in an infrequent-access class (retrieval fees not counted).",
        "Volumes are matched to instances by the tags "
        f"{', '.join(w.attachment_tags)} or by name; a bill shows no attachments.",
        "Savings never overlap: each resource's saving is counted once (waste, then "
        "right-sizing, schedule, spot, commitment); the total uses the 1-year commitment.",
    ]
