"""The MCP cost tools over the same report: bounded answers and paged opportunities."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cost.conftest import BUDGETS
from warden.config.schema import build_model
from warden.mcp.deps import Deps
from warden.mcp.registry import Tools
from warden.mcp.tools_cost import register
from warden.tables import open_store


async def test_cost_tools(tmp_path: Path, lake: Path) -> None:
    from mcp.server.mcpserver.exceptions import ToolError

    store = open_store(f"sqlite:///{tmp_path}/w.db")
    try:
        cfg = build_model().model_validate({"cost": {"data_dir": str(lake), "budgets": BUDGETS}})
        tools = Tools()
        register(tools, Deps(config_of=lambda: cfg, store=store))
        fns = {s.name: s for s in tools.specs}
        assert {n: (s.read_only, s.role.label) for n, s in fns.items()} == {
            "cost_report": (True, "viewer"),
            "cost_opportunities": (True, "viewer"),
            "cost_ingest": (False, "operator"),
        }
        report = await fns["cost_report"].fn(month="2025-03")
        assert report["month"] == "2025-03"
        assert len(report["anomalies"]["items"]) == 3
        assert all("resources" not in o for o in report["opportunities"])
        assert len(report["spend"]["by_service"]) <= 10
        first = await fns["cost_opportunities"].fn(limit=2)
        assert [o["id"] for o in first["opportunities"]] == [1, 2]
        assert first["next_offset"] == 2
        assert first["total"] > 2
        assert first["total_saving"] > 0
        assert first["opportunities"][0]["resources"]
        with pytest.raises(ToolError, match="YYYY-MM"):
            await fns["cost_report"].fn(month="2025")
        with pytest.raises(ToolError, match=r"no cost\.sources"):
            await fns["cost_ingest"].fn()
    finally:
        store.close()
