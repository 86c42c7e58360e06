"""``warden agent``: run a probe agent for one location, and manage agent tokens and status.

``warden agent --server URL --token T --location NAME`` probes the monitors whose
``locations:`` name NAME and pushes the results to the server (see docs/agents.md);
``warden agent token add|list|revoke`` manages the tokens in the store of the config, and
``warden agent status`` shows every location's agent (the JSON of ``GET /api/v1/agents``).
Exit codes: 0 stopped cleanly, 2 bad input, 3 the store cannot be read or written.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from warden.cli._common import (
    EXIT_INPUT,
    ConfigOption,
    JsonOption,
    fail,
    handle_errors,
    load,
    stdout,
    write_json,
)

TOKEN_ENV = "WARDEN_AGENT_TOKEN"  # noqa: S105 - the name of the variable, not a secret

app = typer.Typer(
    help="Probe agents: run one for a location (--server, --token, --location), manage tokens.",
    invoke_without_command=True,
    no_args_is_help=False,
)
tokens = typer.Typer(help="Agent tokens: each pushes one location's results, nothing else.")
app.add_typer(tokens, name="token")


def _token(token: str | None, token_file: Path | None) -> str:
    if token_file is not None:
        try:
            token = token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            fail(f"cannot read {token_file}: {exc.strerror}")
    token = token or os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        fail(f"give the agent token with --token, --token-file or ${TOKEN_ENV}")
    return token


def _check_location(name: str, what: str) -> None:
    import warden.config  # noqa: F401 - the config package first (it imports agents.config)
    from warden.agents.config import LOCATION_RE

    if not LOCATION_RE.match(name):
        fail(f"{what} {name!r}: use lowercase letters, digits, _ . - (at most 63)")


def _spool_dir(location: str) -> Path:
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "warden" / f"agent-{location}"


@app.callback()
@handle_errors
def agent(
    ctx: typer.Context,
    server: Annotated[
        str | None, typer.Option(help="The Warden server: http(s)://host:port")
    ] = None,
    token: Annotated[
        str | None, typer.Option(help=f"Agent token (else --token-file or ${TOKEN_ENV}).")
    ] = None,
    token_file: Annotated[Path | None, typer.Option(help="File holding the token.")] = None,
    location: Annotated[str | None, typer.Option(help="This agent's location name.")] = None,
    spool: Annotated[
        Path | None,
        typer.Option(help="Directory for batches the server does not have yet."),
    ] = None,
    push_interval: Annotated[str, typer.Option(help="How often results are sent.")] = "5s",
    pull_interval: Annotated[str, typer.Option(help="How often the assignment is read.")] = "60s",
    insecure: Annotated[bool, typer.Option(help="Do not verify the server's TLS.")] = False,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
) -> None:
    """Run a probe agent: probe this location's monitors and push the results."""
    if ctx.invoked_subcommand is not None:
        return
    if server is None or location is None:
        fail("give --server and --location (and the token); see warden agent --help")
    _check_location(location, "--location")
    from warden.agents.runtime import run_agent
    from warden.cli.up import _setup_logging
    from warden.config._types import parse_duration

    try:
        push, pull = parse_duration(push_interval), parse_duration(pull_interval)
    except ValueError as exc:
        fail(f"interval: {exc}", EXIT_INPUT)
    _setup_logging(log_level)
    run_agent(
        server,
        _token(token, token_file),
        location,
        spool or _spool_dir(location),
        push=max(push, 0.5),
        pull=max(pull, 1.0),
        insecure=insecure,
    )


@tokens.command("add")
@handle_errors
def token_add(
    location: Annotated[str, typer.Argument(help="The location the token pushes for.")],
    name: Annotated[str, typer.Option(help="A name to tell tokens apart.")] = "agent",
    config: ConfigOption = None,
) -> None:
    """Create a token for one location's agent; it is shown once."""
    import time

    _check_location(location, "location")
    from warden.agents.repository import AgentRepository
    from warden.tables import open_store

    cfg = load(config)
    store = open_store(cfg.store.url.get_secret_value())
    try:
        token = AgentRepository(store.engine).create_token(location, name, time.time())
    finally:
        store.close()
    stdout().print(token, markup=False, highlight=False)


@tokens.command("list")
@handle_errors
def token_list(config: ConfigOption = None, json_out: JsonOption = False) -> None:
    """List agent tokens (never their values)."""
    from dataclasses import asdict

    from rich.table import Table

    from warden.agents.repository import AgentRepository
    from warden.tables import open_store

    cfg = load(config)
    store = open_store(cfg.store.url.get_secret_value())
    try:
        got = AgentRepository(store.engine).tokens()
    finally:
        store.close()
    if json_out:
        write_json("agent-tokens", {"tokens": [asdict(t) for t in got]})
        return
    table = Table()
    for col in ("id", "location", "name", "created", "last used", "revoked"):
        table.add_column(col)
    for t in got:
        table.add_row(
            str(t.id), t.location, t.name, f"{t.created_at:.0f}",
            "-" if t.last_used_at is None else f"{t.last_used_at:.0f}", "yes" if t.revoked else "",
        )  # fmt: skip
    stdout().print(table)


@tokens.command("revoke")
@handle_errors
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="The id from `warden agent token list`.")],
    config: ConfigOption = None,
) -> None:
    """Revoke an agent token: its agent is refused from the next request on."""
    import time

    from warden.agents.repository import AgentRepository
    from warden.tables import open_store

    cfg = load(config)
    store = open_store(cfg.store.url.get_secret_value())
    try:
        done = AgentRepository(store.engine).revoke(token_id, time.time())
    finally:
        store.close()
    if not done:
        fail(f"no live agent token with id {token_id}")


@app.command("status")
@handle_errors
def status(config: ConfigOption = None, json_out: JsonOption = False) -> None:
    """Every location's agent: last heard from, clock offset, buffered batches."""
    import time

    from rich.table import Table

    from warden.agents.repository import AgentRepository
    from warden.agents.views import agents_json
    from warden.tables import open_store

    cfg = load(config)
    store = open_store(cfg.store.url.get_secret_value())
    try:
        doc = agents_json(cfg, AgentRepository(store.engine), time.time())
    finally:
        store.close()
    if json_out:
        write_json("agents", doc)
        return
    table = Table()
    for col in ("location", "state", "last seen", "clock offset", "buffered", "monitors"):
        table.add_column(col)
    now = time.time()
    for a in doc["agents"]:
        seen = "-" if a["last_seen"] is None else f"{now - a['last_seen']:.0f}s ago"
        offset = "-" if a["clock_offset_ms"] is None else f"{a['clock_offset_ms']:+.1f} ms"
        table.add_row(
            a["location"], "SILENT" if a["silent"] else "ok", seen, offset,
            str(a["buffered_batches"]), str(len(a["monitors"])),
        )  # fmt: skip
    stdout().print(table)
