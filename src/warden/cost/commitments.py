"""Commitments and spot: how much of the steady compute runs on demand, and what 1- and 3-year
commitments (Savings Plans, reserved instances, committed use discounts) and spot would save.

Steady compute: instances billed every day of the window for at least ``STEADY_HOURS`` hours
a day. Commitment candidates are the steady on-demand instances of production that are not
marked fault-tolerant; their monthly cost left after right-sizing times the 1-year (or 3-year)
discount is the saving. Spot candidates are on-demand instances tagged non-production or
fault-tolerant (``commitments.spot_tags``): their cost left after scheduling times the spot
discount. The discounts are assumptions (``cost.commitments``), printed with the report.
"""

# ruff: noqa: S608 - DuckDB SQL over Warden's own Parquet files; its literals are dates
# and config strings escaped where they are built

from __future__ import annotations

from typing import Any

from warden.cost.config import CostConfig
from warden.cost.lake import Lines
from warden.cost.resources import Resource, Window, brief, lowered
from warden.cost.spend import r2
from warden.cost.waste import nonprod

STEADY_HOURS = 20.0


def fault_tolerant(r: Resource, config: CostConfig) -> bool:
    return any(
        (r.tag(k) or "").lower() in lowered(tuple(values))
        for k, values in config.commitments.spot_tags.items()
    )


def commitments(
    lines: Lines, res: list[Resource], win: Window, config: CostConfig
) -> dict[str, Any]:
    """Coverage of steady compute and the commitment and spot savings (claimed on the
    resources: ``spot``, then ``commitment`` at the 1-year rate)."""
    c = config.commitments
    instances = [r for r in res if r.is_instance]
    steady = [
        r for r in instances if r.days >= win.days and r.hours / max(1, r.days) >= STEADY_HOURS
    ]
    steady_ids = {r.id for r in steady}
    od = sum(r.on_demand for r in steady)
    com = sum(r.committed for r in steady)
    spot = sum(r.spot for r in steady)
    total = od + com + spot
    spot_items, commit_items = [], []
    for r in instances:
        if r.on_demand <= 0 or "near_zero_usage" in r.claims:
            continue
        base = min(r.on_demand, r.left)
        if nonprod(r, config) or fault_tolerant(r, config):
            saving = base * c.spot_discount
            if saving > 0:
                r.claims["spot"] = saving
                why = "non-production" if nonprod(r, config) else "fault-tolerant"
                spot_items.append(brief(r, saving, why))
        elif r.id in steady_ids and base > 0:
            r.claims["commitment"] = base * c.one_year_discount
            commit_items.append(
                brief(
                    r,
                    base * c.one_year_discount,
                    r.itype or r.rtype,
                    three_year_saving=round(base * c.three_year_discount, 2),
                )
            )
    base_total = sum(i["saving"] for i in commit_items) / (c.one_year_discount or 1)
    unused = lines.rows(
        "SELECT coalesce(sum(cost), 0) FROM bill WHERE lower(commitment_status) IN "
        "('unused', 'unused commitment') AND period_start >= DATE "
        f"'{win.lo}' AND period_start < DATE '{win.hi}'"
    )[0][0]
    spot_items.sort(key=lambda i: -i["saving"])
    commit_items.sort(key=lambda i: -i["saving"])
    return {
        "steady_compute_monthly": r2(total),
        "steady_instances": len(steady),
        "on_demand_share": round(od / total, 4) if total else None,
        "committed_share": round(com / total, 4) if total else None,
        "spot_share": round(spot / total, 4) if total else None,
        "unused_commitment_monthly": r2(float(unused or 0.0) * win.factor),
        "commitment": {
            "eligible_monthly": r2(base_total),
            "one_year_saving": r2(base_total * c.one_year_discount),
            "three_year_saving": r2(base_total * c.three_year_discount),
            "count": len(commit_items),
            "resources": commit_items[:20],
        },
        "spot": {
            "monthly_saving": r2(sum(i["saving"] for i in spot_items)),
            "count": len(spot_items),
            "resources": spot_items[:20],
        },
        "assumptions": {
            "one_year_discount": c.one_year_discount,
            "three_year_discount": c.three_year_discount,
            "spot_discount": c.spot_discount,
            "steady_hours_per_day": STEADY_HOURS,
        },
    }
