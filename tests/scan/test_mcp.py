"""The ``scan`` MCP tool: confined to the folders the config allows, answers one page."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest

from scan.conftest import BAD
from warden.config import parse_config
from warden.mcp.deps import Deps
from warden.mcp.registry import Tools
from warden.mcp.tools_scan import register
from warden.tables import open_store
from warden.web.users import Role


@pytest.fixture
def tool(tmp_path: Path) -> Any:
    infra = tmp_path / "infra"
    shutil.copytree(BAD, infra)
    (tmp_path / "secret.txt").write_text("DB_PASSWORD=FAKE-outside-password\n")
    (infra / "link.env").symlink_to(tmp_path / "secret.txt")
    config = parse_config(
        f"store:\n  url: sqlite:///{tmp_path / 'w.db'}\n"
        f"scan:\n  paths: [{infra}]\n  kustomize: 'off'\n"
    )
    store = open_store(f"sqlite:///{tmp_path / 'w.db'}")
    deps = Deps(config_of=lambda: config, store=store)
    deps.config_path = tmp_path / "elsewhere" / "warden.yaml"  # type: ignore[attr-defined]
    tools = Tools()
    register(tools, deps)
    (spec,) = tools.specs
    assert spec.name == "scan"
    assert spec.read_only
    assert spec.role is Role.VIEWER
    yield spec.fn, infra
    store.close()


def test_scan_answers_counts_and_a_page(tool: Any) -> None:
    fn, infra = tool
    got = asyncio.run(fn(path=str(infra), min_severity="critical", limit=3))
    assert got["counts"]["critical"] > 0
    assert got["counts"]["low"] > 0
    assert len(got["findings"]) == 3
    assert got["next_offset"] == 3
    assert {f["severity"] for f in got["findings"]} == {"critical"}
    relative = asyncio.run(fn(path="docker", limit=200))  # against the first allowed folder
    assert "docker-compose.yml" in {f["file"] for f in relative["findings"]}


@pytest.mark.parametrize("path", ["/etc", "../", "/"])
def test_scan_refuses_paths_outside_the_allowed_folders(tool: Any, path: str) -> None:
    from mcp.server.mcpserver.exceptions import ToolError

    fn, _ = tool
    with pytest.raises(ToolError, match="outside the folders"):
        asyncio.run(fn(path=path))


def test_links_leading_out_are_not_followed(tool: Any) -> None:
    fn, infra = tool
    got = asyncio.run(fn(path=str(infra), limit=200))
    assert not any(f["file"] == "link.env" for f in got["findings"])
