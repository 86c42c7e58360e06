"""Cost tools: the cost report (spend, budgets, anomalies, the audit's totals), its
opportunities page by page, and an ingest of the exports the config lists.

Each calls the function behind ``warden cost`` and ``/api/v1/cost/report``; the answers are
bounded (services, tags and resources cut to the largest, opportunities paged).
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from pydantic import Field

from warden.mcp.deps import Deps
from warden.mcp.paging import Limit, Offset, page
from warden.mcp.registry import Tools

Month = Annotated[
    str | None, Field(description="YYYY-MM (default: the month of the latest cost data).")
]


def lean_report(data: dict[str, Any], top: int = 10) -> dict[str, Any]:
    """The report without its bulk: the largest services, regions, tag values and resources,
    the last 24 months, the opportunities without their resource lists."""
    if data.get("empty"):
        return data
    spend = dict(data["spend"])
    for key in ("by_service", "by_region", "by_category", "top_resources"):
        spend[key] = spend[key][:top]
    spend["by_tag"] = {k: v[:top] for k, v in spend["by_tag"].items()}
    keep = (
        "time",
        "month",
        "currency",
        "other_currencies",
        "measure",
        "data",
        "budgets",
        "anomalies",
        "window",
        "audit",
        "assumptions",
    )
    return {
        **{k: data[k] for k in keep if k in data},
        "spend": spend,
        "months": [{k: m[k] for k in ("month", "cost", "change_ratio")} for m in data["months"]][
            -24:
        ],
        "opportunities": [
            {k: v for k, v in o.items() if k != "resources"} for o in data["opportunities"]
        ],
        "commitments": {
            k: v for k, v in data["commitments"].items() if k not in ("commitment", "spot")
        },
        "rightsizing": {
            "method": data["rightsizing"]["method"],
            "hosts": data["rightsizing"]["hosts"][:top],
            "instances_without_samples": data["rightsizing"]["instances_without_samples"],
        },
    }


def register(tools: Tools, deps: Deps) -> None:
    def report(month: str | None) -> dict[str, Any]:
        from warden.cost.lake import data_dir
        from warden.cost.report import check_month, cost_report

        cfg = deps.config
        root = data_dir(cfg.cost, cfg.store.url.get_secret_value())
        return cost_report(
            root,
            cfg.cost,
            deps.now(),
            month=check_month(month) if month else None,
            engine=deps.store.engine,
        )

    @tools.read
    async def cost_report(month: Month = None) -> dict[str, Any]:
        """Cloud spend from the FOCUS exports: the month by service, region and tag (team, env,
        app) with the untagged share, the change from the month before, the month-end forecast,
        budgets with their variance, day-level anomalies, and the audit's total saving; the
        opportunities in brief (cost_opportunities has their resources)."""
        return lean_report(await asyncio.to_thread(report, month))

    @tools.read
    async def cost_opportunities(
        month: Month = None, offset: Offset = 0, limit: Limit = 5
    ) -> dict[str, Any]:
        """The cost audit's numbered opportunities, largest saving first: right-sizing, waste
        (idle, stopped, unattached, old snapshots, lifecycle, nights), spot and commitments,
        each with current state, problem, solution, monthly saving and its top resources."""
        data = await asyncio.to_thread(report, month)
        items = [{**o, "resources": o["resources"][:10]} for o in data.get("opportunities", [])]
        audit = data.get("audit") or {}
        return {
            "month": data.get("month"),
            "currency": data.get("currency"),
            "total_saving": audit.get("total_saving"),
            "current_monthly": audit.get("current_monthly"),
            "new_monthly": audit.get("new_monthly"),
            **page(items, offset, limit, "opportunities"),
        }

    @tools.write()
    async def cost_ingest() -> dict[str, Any]:
        """Ingest the exports listed under cost.sources now (unchanged files are skipped; bad
        rows are left out and listed), as `warden up` does every cost.interval."""
        from warden.cost.ingest import ingest
        from warden.cost.lake import data_dir

        cfg = deps.config
        if not cfg.cost.sources:
            raise ValueError("no cost.sources in the config: nothing to ingest")
        root = data_dir(cfg.cost, cfg.store.url.get_secret_value())
        got = await asyncio.to_thread(ingest, cfg.cost.sources, cfg.cost, root, skip_bad=True)
        return {**got, "files": got["files"][:50], "bad_rows": got["bad_rows"][:50]}
