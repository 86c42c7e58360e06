"""The MCP server driven by the SDK's own client over stdio (``warden mcp``) and Streamable
HTTP (``/mcp`` of the web server): every tool listed and called, resources read, secrets
absent, and the roles of API tokens enforced."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from tests.agent_mcp.conftest import McpSite
from warden.config import load_config
from warden.engine.app import App
from warden.tables import open_store
from warden.web.users import Role, UserBook

pytestmark = pytest.mark.timeout(180)

Check = Callable[[dict[str, Any]], object]

# tool, arguments, what its answer must hold (every registered tool is here: a test below
# fails when one is added without a row)
CALLS: list[tuple[str, dict[str, Any], Check]] = [
    ("status", {}, lambda d: d["counts"] and d["monitors"][0]["monitor"] in ("api", "cache")),
    ("monitors", {"limit": 1}, lambda d: d["total"] == 2 and d["next_offset"] == 1),
    ("monitor_config", {"monitor": "api"}, lambda d: d["type"] == "http"),
    ("check_results", {"monitor": "api", "since": "2h", "limit": 5},
     lambda d: d["summary"]["checks"] == 60 and d["summary"]["down"] == 6
     and len(d["results"]) == 5 and d["results"][0]["phases"]["ttfb"] == 0.008),
    ("metric_names", {}, lambda d: any(s["name"] == "host_cpu_percent" for s in d["series"])),
    ("metric_query", {"name": "host_cpu_percent", "since": "2h", "max_points": 10},
     lambda d: len(d["series"][0]["points"]) <= 10 and d["series"][0]["summary"]["count"] == 60
     and d["series"][0]["summary"]["max"] == 26.0),
    ("alerts", {}, lambda d: "alerts" in d and "counts" in d),
    ("silences", {}, lambda d: "silences" in d),
    ("silence_create", {"matchers": ['monitor="api"'], "comment": "deploy", "duration": "1h"},
     lambda d: d["silence"]["comment"] == "deploy" and "(mcp)" in d["silence"]["created_by"]),
    ("silence_expire", {"silence_id": "nope"}, None),  # an error: no such silence
    ("slos", {}, lambda d: d["slos"][0]["name"] == "api-availability"),
    ("incidents", {}, lambda d: "incidents" in d),
    ("incident_declare", {"title": "checkout slow", "severity": "high", "monitors": ["api"]},
     lambda d: d["incident"]["title"] == "checkout slow"),
    ("incident_show", {"incident_id": 1},
     lambda d: d["incident"]["id"] == 1 and d["deploys"] == []),
    ("incident_note", {"incident_id": 1, "text": "looking"}, lambda d: d["incident"]["id"] == 1),
    ("incident_ack", {"incident_id": 1}, lambda d: d["incident"]["acked_by"]),
    ("incident_resolve", {"incident_id": 1, "message": "fixed"},
     lambda d: d["incident"]["status"] == "resolved"),
    ("incident_postmortem", {"incident_id": 1}, lambda d: "checkout slow" in d["markdown"]),
    ("audits", {}, lambda d: d["audits"][0]["audit"] == "cache"),
    ("audit_run", {"audit": "cache"}, lambda d: d["kind"] == "redis" and "counts" in d),
    ("audit_findings", {"audit": "cache"}, lambda d: d["kind"] == "redis" and "findings" in d),
    ("load_run", {"url": "APP", "preset": "baseline", "rate": 20, "duration": "1s"},
     lambda d: d["requests"] > 0 and d["run_id"] >= 1),
    ("load_results", {}, lambda d: d["runs"][0]["requests"] > 0),
    ("backup_run", {"backup": "files"}, lambda d: d["status"] == "complete"),
    ("backup_list", {"backup": "files"}, lambda d: d["backups"][0]["status"] == "complete"),
    ("backup_drill", {"backup": "files"}, lambda d: d["status"] == "passed"),
    ("backup_status", {}, lambda d: d["backups"][0]["backup"] == "files"),
    ("gamedays", {}, lambda d: d["runs"] == []),
    ("scan", {"path": "INFRA"}, lambda d: d["counts"]["high"] + d["counts"]["medium"] > 0),
    ("deploy_mark", {"service": "api", "version": "v2"},
     lambda d: d["marker"]["version"] == "v2" and d["freezes"] == []),
    ("deploy_markers", {"service": "api"}, lambda d: d["markers"][0]["service"] == "api"),
    ("deploy_judge", {"baseline": "monitor=api", "canary": "monitor=cache", "since": "2h"},
     lambda d: d["verdict"] in ("pass", "marginal", "fail") and d["metrics"]),
    ("traffic_top", {}, lambda d: "routes" in d),
    ("capacity", {}, lambda d: "resources" in d),
    ("rum_report", {"since": "1h"},
     lambda d: d["site"] == "shop" and d["pages"][0]["page"] == "/cart"
     and d["pages"][0]["lcp"]["count"] == 3 and d["pages"][0]["lcp"]["poor"] == 0.3333
     and "series" not in d),
    ("rum_report", {"site": "blog"}, None),  # an error: no such site
    ("cost_ingest", {}, lambda d: d["files"]),  # before the report: it reads what came in
    ("cost_report", {"month": "2025-01"},
     lambda d: d["month"] == "2025-01" and d["spend"]["by_service"]),
    ("cost_opportunities", {"month": "2025-02", "limit": 2},
     lambda d: len(d["opportunities"]) <= 2 and d["total_saving"] is not None),
    ("scaling", {}, lambda d: "policies" in d),
    ("readiness", {"target": "APP", "traffic": 2, "peak": 5, "steps": 1, "step_duration": 2},
     lambda d: "verdict" in d or "steps" in d),
    ("report_daily", {}, lambda d: "sections" in d),
    ("report_weekly", {}, lambda d: d["this_week"]["out_of"] == 7),
    ("reliability_ladder", {}, lambda d: "level" in d),
    ("infrastructure_document", {}, lambda d: "api" in d["markdown"]),
    ("diagnose", {"monitor": "api", "since": "2h"},
     lambda d: d["monitor"] == "api" and d["checks"] == 60),
]  # fmt: skip

WRITE_TOOLS = {
    "silence_create", "silence_expire", "incident_declare", "incident_note", "incident_ack",
    "incident_resolve", "audit_run", "load_run", "backup_run", "backup_drill", "readiness",
    "deploy_mark", "cost_ingest",
}  # fmt: skip


def _args(args: dict[str, Any], site: McpSite) -> dict[str, Any]:
    known = {"APP": site.app_url, "INFRA": str(site.infra)}
    return {k: known.get(v, v) if isinstance(v, str) else v for k, v in args.items()}


async def _call_all(client: Client, site: McpSite) -> None:
    listed = {t.name: t for t in (await client.list_tools()).tools}
    assert set(listed) == {name for name, _, _ in CALLS}
    for tool in listed.values():
        assert tool.input_schema["type"] == "object"
        assert tool.description
        assert tool.annotations is not None
        assert tool.annotations.read_only_hint is (tool.name not in WRITE_TOOLS)
    for name, args, check in CALLS:
        got = await client.call_tool(name, _args(args, site))
        text = " ".join(getattr(c, "text", "") for c in got.content)
        if check is None:
            assert got.is_error, f"{name} should refuse {args}"
            continue
        assert not got.is_error, f"{name}: {text}"
        data = got.structured_content
        assert isinstance(data, dict), name
        assert check(data), f"{name}: {json.dumps(data)[:800]}"
        assert "sekrit" not in json.dumps(data), f"{name} shows a secret"
        assert len(json.dumps(data)) < 200_000, f"{name} answers too much"


async def _resources(client: Client) -> None:
    found = {str(r.uri) for r in (await client.list_resources()).resources}
    assert {"warden://config", "warden://runbooks/disk-full", "warden://docs/cli"} <= found
    config = (await client.read_resource("warden://config")).contents[0]
    text = getattr(config, "text", "")
    assert '"api"' in text
    assert "sekrit" not in text
    book = (await client.read_resource("warden://runbooks/disk-full")).contents[0]
    assert "disk" in getattr(book, "text", "").lower()


def _stdio(site: McpSite, role: str = "operator") -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "warden.cli", "mcp", "--config", str(site.config), "--role", role],
    )


async def test_every_tool_over_stdio(mcp_site: McpSite) -> None:
    async with Client(_stdio(mcp_site), read_timeout_seconds=120) as client:
        await _call_all(client, mcp_site)
        await _resources(client)


async def test_a_viewer_over_stdio_sees_the_read_tools_only(mcp_site: McpSite) -> None:
    async with Client(_stdio(mcp_site, "viewer")) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert names
        assert not names & WRITE_TOOLS
        got = await client.call_tool("incident_declare", {"title": "x"})
        assert got.is_error
        assert "operator role" in got.content[0].text


@contextlib.asynccontextmanager
async def _served(site: McpSite) -> AsyncIterator[tuple[str, dict[Role, str]]]:
    from tests.web.conftest import CHEAP_HASHER, serve_web

    store = open_store(f"sqlite:///{site.db}")
    try:
        app = App(load_config(site.config), store)
        book = UserBook(store.engine, CHEAP_HASHER)
        tokens = {}
        known = {u.name for u in book.users()}
        for role in Role:
            if role.label not in known:
                book.add_user(role.label, "correct horse battery", role)
            tokens[role], _ = book.create_token(role.label, "mcp test")
        async with serve_web(app, book, start=False) as port:
            yield f"http://127.0.0.1:{port}/mcp", tokens
    finally:
        store.close()


@contextlib.asynccontextmanager
async def _http(url: str, token: str) -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(120.0)) as http:
        transport = streamable_http_client(url, http_client=http)
        async with Client(transport, read_timeout_seconds=120) as client:
            yield client


async def test_every_tool_over_http_with_an_operator_token(mcp_site: McpSite) -> None:
    async with _served(mcp_site) as (url, tokens), _http(url, tokens[Role.OPERATOR]) as client:
        await _call_all(client, mcp_site)
        await _resources(client)


async def test_http_refuses_no_token_a_bad_token_and_a_viewer_writing(mcp_site: McpSite) -> None:
    async with _served(mcp_site) as (url, tokens):
        async with httpx.AsyncClient() as raw:
            body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
            for headers in ({}, {"Authorization": "Bearer wrd_not-a-token"}):
                got = await raw.post(url, json=body, headers=headers)
                assert got.status_code == 401
                assert got.headers["www-authenticate"] == "Bearer"
        async with _http(url, tokens[Role.VIEWER]) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            assert "status" in names
            assert not names & WRITE_TOOLS
            refused = await client.call_tool("silence_create", {"matchers": ['a="b"'],
                                                                "comment": "x"})  # fmt: skip
            assert refused.is_error
            assert "operator role" in refused.content[0].text
            ok = await client.call_tool("status", {})
            assert not ok.is_error
