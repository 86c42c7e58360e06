"""Planning and reporting tools: traffic, real users' web vitals, capacity, scaling, readiness,
the daily and weekly reports, the reliability ladder, the infrastructure document, ``diagnose``.

Each calls the one function behind its CLI command and API endpoint.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from pydantic import Field

from warden.mcp.deps import Deps
from warden.mcp.paging import Limit, Since, Until, period
from warden.mcp.registry import Tools


def register(tools: Tools, deps: Deps) -> None:
    @tools.read
    async def traffic_top(
        since: Since = "1h",
        until: Until = None,
        service: Annotated[str | None, Field(description="Only this service.")] = None,
        sort: Literal["p95", "p99", "requests", "errors", "error_rate", "time"] = "p95",
        limit: Limit = 20,
    ) -> dict[str, Any]:
        """The slowest (or busiest, most failing) routes from the stored request history."""
        from warden.traffic.top import top_from_store

        lo, hi = period(since, until, deps.now())
        return await asyncio.to_thread(
            top_from_store, deps.store, lo, hi, service=service, sort=sort, limit=limit
        )

    @tools.read
    async def rum_report(
        site: Annotated[str | None, Field(description="RUM site (default: the first).")] = None,
        since: Since = "24h",
        until: Until = None,
        limit: Limit = 20,
    ) -> dict[str, Any]:
        """Real users' Core Web Vitals: p75 of LCP, INP, CLS and TTFB (seconds; CLS a score)
        per page and device class, rated good / needs-improvement / poor, busiest pages first."""
        from warden.rum.report import rum_report as report

        if not deps.config.rum.sites:
            raise ValueError("no RUM site is configured (rum: sites: in the config)")
        lo, hi = period(since, until, deps.now(), longest=90 * 86400.0)
        try:
            data = await asyncio.to_thread(report, deps.store.engine, deps.config.rum, site, lo, hi)
        except KeyError:
            raise ValueError(f"no RUM site {site!r}") from None
        more = data["more_pages"] + max(0, len(data["pages"]) - limit)
        lean = {k: v for k, v in data.items() if k != "series"}
        return {**lean, "pages": data["pages"][:limit], "more_pages": more}

    @tools.read
    async def capacity(
        kind: Annotated[str | None, Field(description="Resource kinds (glob), e.g. disk*.")] = None,
    ) -> dict[str, Any]:
        """Every resource's forecast (disk, memory, connections…): when it runs out, most at
        risk first, with the evidence of each forecast."""
        from warden.capacity.report import capacity_report

        return await asyncio.to_thread(
            capacity_report, deps.store.engine, deps.config.capacity, deps.now(), kind=kind
        )

    @tools.read
    async def scaling(
        hours: Annotated[
            float, Field(gt=0, le=24 * 400, description="Decisions of the last.")
        ] = 24.0,
    ) -> dict[str, Any]:
        """The scaling policies and the decisions they took."""
        from warden.capacity.scaling_report import scaling_report

        now = deps.now()
        return await asyncio.to_thread(
            scaling_report, deps.store.engine, deps.config.scaling, now, now - hours * 3600
        )

    @tools.write()
    async def readiness(
        target: Annotated[str, Field(description="Loopback URL of the app to ramp.")],
        traffic: Annotated[float, Field(ge=1, le=1000, description="Multiple of the peak.")],
        peak: Annotated[float | None, Field(gt=0, description="req/s (default: stored).")] = None,
        service: Annotated[str | None, Field(description="Service whose peak to use.")] = None,
        steps: Annotated[int, Field(ge=1, le=10)] = 5,
        step_duration: Annotated[float, Field(ge=2, le=60, description="Seconds per step.")] = 20.0,
        p95_ms: Annotated[float, Field(gt=0)] = 200.0,
        error_rate: Annotated[float, Field(ge=0, le=1)] = 0.001,
    ) -> dict[str, Any]:
        """ "Are we ready for Nx traffic?": ramps a loopback target to traffic x peak in
        steps, watches latency, errors and resources, and judges each step (warden ready)."""
        from warden.capacity.readiness import Budget, ReadyRequest, run_readiness

        req = ReadyRequest(target, traffic, peak, service, ("/",), steps, step_duration,
                           Budget(p95_ms=p95_ms, error_rate=error_rate), (),
                           allow_remote=False)  # fmt: skip
        return await asyncio.to_thread(
            lambda: run_readiness(
                req,
                engine=deps.store.engine,
                capacity=deps.config.capacity,
                config_path=None,
                now=deps.now(),
            )
        )

    @tools.read
    async def report_daily(since: Since = "24h", until: Until = None) -> dict[str, Any]:
        """The daily check: alerts, incidents, SLOs, monitors, backups, resources, audits,
        each section with a status and a one-line summary."""
        from warden.reports.daily import daily_report

        lo, hi = period(since, until, deps.now(), 31 * 86400.0)
        return await asyncio.to_thread(daily_report, deps.store, deps.config, lo, hi)

    @tools.read
    async def report_weekly() -> dict[str, Any]:
        """The weekly 7-point scorecard of the last 7 days."""
        from warden.reports.weekly import weekly_report

        return await asyncio.to_thread(weekly_report, deps.store, deps.config, deps.now())

    @tools.read
    async def reliability_ladder() -> dict[str, Any]:
        """The reliability level reached, each requirement's evidence, and the next step."""
        from warden.reports.ladder import ladder

        return await asyncio.to_thread(ladder, deps.store, deps.config, deps.now())

    @tools.read
    async def infrastructure_document() -> dict[str, Any]:
        """What runs where, what checks it, how it is backed up and recovered (Markdown)."""
        from warden.reports.document import infrastructure_document as build
        from warden.reports.document import markdown

        doc = await asyncio.to_thread(build, deps.store, deps.config, deps.now())
        return {"markdown": markdown(doc), "monitors": len(doc.get("monitors", []))}

    @tools.read
    async def diagnose(
        monitor: Annotated[str, Field(description="The monitor whose latency or errors rose.")],
        since: Since = "6h",
        until: Until = None,
    ) -> dict[str, Any]:
        """Why did this monitor get slow or start failing? Ranked hypotheses with their
        evidence (change points, timing phases, host and database changes, deploys, audit
        findings, load) and next actions."""
        from warden.diagnose.service import diagnose as explain

        lo, hi = period(since, until, deps.now(), 31 * 86400.0)
        return await asyncio.to_thread(
            lambda: explain(deps.config, deps.store, monitor, since=lo, until=hi)
        )
