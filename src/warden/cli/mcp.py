"""``warden mcp``: the MCP server over stdio, for an AI agent on this machine.

The agent's MCP client starts ``warden mcp`` and speaks JSON-RPC on its stdin and stdout;
nothing else is written to stdout (logs go to stderr). The caller acts with ``--role``
(operator by default: the read tools and the ones that change something; ``viewer`` for
read-only). The same server answers at ``/mcp`` of ``warden up`` with API tokens.
"""

from __future__ import annotations

import getpass
import logging
from typing import Annotated

import typer

from warden.cli._common import EXIT_INPUT, ConfigOption, fail, handle_errors


@handle_errors
def mcp(
    role: Annotated[
        str, typer.Option(help="What the agent may do: viewer (read only) or operator.")
    ] = "operator",
    config: ConfigOption = None,
) -> None:
    """Serve Warden's tools to an AI agent over stdio (MCP)."""
    import anyio

    from warden.mcp.caller import Caller
    from warden.mcp.deps import open_deps
    from warden.mcp.server import build_server
    from warden.web.users import Role

    if role not in ("viewer", "operator"):
        fail(f"--role {role!r}: use viewer or operator", EXIT_INPUT)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    deps = open_deps(config)
    caller = Caller(_user(), Role.parse(role))
    try:
        server = build_server(deps, lambda _ctx: caller)
        anyio.run(server.run_stdio_async)
    finally:
        deps.close()


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "local"
