"""Deploy tools: record a deploy marker, list markers, judge a canary against its baseline
over a past window (the functions behind ``warden deploy``)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from pydantic import Field

from warden.mcp.caller import caller_name
from warden.mcp.deps import Deps
from warden.mcp.paging import Limit, Since, Until, period
from warden.mcp.registry import Tools


def register(tools: Tools, deps: Deps) -> None:
    @tools.write()
    async def deploy_mark(
        service: Annotated[str, Field(min_length=1, max_length=200)],
        version: Annotated[str, Field(max_length=200)] = "",
        message: Annotated[str, Field(max_length=2000)] = "",
    ) -> dict[str, Any]:
        """Record that a service was deployed now; says whether a freeze window is open."""
        from warden.deploys.freeze import active_freezes
        from warden.deploys.markers import mark

        now = deps.now()
        got = await asyncio.to_thread(mark, deps.store.engine, service, version, now,
                                      author=caller_name(), message=message)  # fmt: skip
        return {"marker": got.json(), "freezes": active_freezes(deps.config, service, now)}

    @tools.read
    async def deploy_markers(
        since: Since = "7d",
        until: Until = None,
        service: Annotated[str | None, Field(description="Only this service.")] = None,
        limit: Limit = 50,
    ) -> dict[str, Any]:
        """Deploy and rollback markers in a range, newest last."""
        from warden.deploys.markers import markers

        lo, hi = period(since, until, deps.now())
        got = await asyncio.to_thread(markers, deps.store.engine, lo, hi, service, limit)
        return {"markers": [m.json() for m in got]}

    @tools.read
    async def deploy_judge(
        baseline: Annotated[str, Field(description="KEY=VALUE[,...] or a monitor name.")],
        canary: Annotated[str, Field(description="KEY=VALUE[,...] or a monitor name.")],
        since: Since = "10m",
        until: Until = None,
        metrics: Annotated[list[str], Field(max_length=10, description="Series to compare.")] = [],  # noqa: B006
    ) -> dict[str, Any]:
        """Judge a canary against its baseline over a past window: pass, marginal or fail,
        with a score and each metric's Mann-Whitney U test."""
        from warden.deploys.judge import JudgeOptions, judge
        from warden.deploys.signals import parse_selector

        lo, hi = period(since, until, deps.now(), 31 * 86400.0)
        base, can = parse_selector(baseline), parse_selector(canary)
        opts = JudgeOptions(error_rate=deps.config.deploys.error_rate)
        return await asyncio.to_thread(
            lambda: judge(deps.store, deps.config, base, can, lo, hi, metrics=metrics, options=opts)
        )
