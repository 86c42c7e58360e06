"""The MCP server over Warden: every tool module and the resources on one ``MCPServer``.

``build_server(deps, caller_of)`` is shared by both transports: stdio (``warden mcp``, one
local caller with the role given on the command line) and Streamable HTTP (``/mcp`` of the
web server, where each request's API token says who calls). ``RoleGate`` runs before every
request: it records the caller for the tools (authors of notes and silences), hides the tools
its role may not use from ``tools/list`` and refuses them in ``tools/call``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult, TextContent, ToolAnnotations

from warden.mcp import (
    resources,
    tools_cost,
    tools_deploys,
    tools_incidents,
    tools_monitoring,
    tools_operations,
    tools_planning,
    tools_scan,
)
from warden.mcp.caller import CALLER, Caller
from warden.mcp.deps import Deps
from warden.mcp.registry import Tools

INSTRUCTIONS = """Warden watches this team's infrastructure: monitors, alerts, incidents, SLOs,
audits, load tests, backups, capacity and reports. Start with `status` (what is down) and
`alerts`; `diagnose` explains why a monitor got slow or fails; `report_daily` is the morning
check. Lists come in pages (offset, limit, next_offset) and series are summarised first;
ask for more only when you need it. Tools that change something need the operator role."""

CallerOf = Callable[[ServerRequestContext[Any, Any]], Caller | None]


class RoleGate:
    """Server middleware: the caller for the tools, and the role each tool needs."""

    def __init__(self, tools: Tools, caller_of: CallerOf) -> None:
        self.tools = tools
        self.caller_of = caller_of

    async def __call__(
        self, ctx: ServerRequestContext[Any, Any], call_next: CallNext
    ) -> HandlerResult:
        caller = self.caller_of(ctx)
        token = CALLER.set(caller)
        try:
            if ctx.method == "tools/call":
                name = str((ctx.params or {}).get("name", ""))
                need = self.tools.role_of(name)
                if need is not None and (caller is None or caller.role < need):
                    text = f"the tool {name!r} needs the {need.label} role"
                    return CallToolResult(content=[TextContent(type="text", text=text)],
                                          is_error=True)  # fmt: skip
            result = await call_next(ctx)
            if ctx.method == "tools/list":
                allowed = self.tools.allowed(caller.role) if caller else set()
                result = _only(result, allowed)
            return result
        finally:
            CALLER.reset(token)


def _only(result: HandlerResult, allowed: set[str]) -> HandlerResult:
    if isinstance(result, dict):
        return {**result, "tools": [t for t in result.get("tools", []) if t["name"] in allowed]}
    tools = getattr(result, "tools", None)
    if result is not None and tools is not None:
        return result.model_copy(update={"tools": [t for t in tools if t.name in allowed]})
    return result


def build_server(deps: Deps, caller_of: CallerOf) -> MCPServer:
    """Every Warden tool and resource on one MCP server."""
    from warden import __version__

    tools = Tools()
    modules = (
        tools_monitoring, tools_incidents, tools_operations, tools_planning, tools_deploys,
        tools_scan, tools_cost,
    )  # fmt: skip
    for module in modules:
        module.register(tools, deps)
    server: MCPServer = MCPServer(
        "warden",
        title="Warden",
        instructions=INSTRUCTIONS,
        version=__version__,
        middleware=[RoleGate(tools, caller_of)],
        log_level="WARNING",
    )
    for spec in tools.specs:
        server.add_tool(
            spec.fn,
            name=spec.name,
            annotations=ToolAnnotations(
                read_only_hint=spec.read_only,
                destructive_hint=spec.destructive,
                open_world_hint=False,
            ),
            structured_output=True,
        )
    resources.register(server, deps)
    return server
