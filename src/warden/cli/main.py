"""The ``warden`` command: one Typer app; each command or group lives in its own module."""

from __future__ import annotations

from typing import Any

import typer

from warden.cli import (
    agent,
    alerts,
    audit,
    backup,
    capacity,
    check,
    cost,
    deploy,
    diagnose,
    doc,
    dr,
    export,
    gameday,
    incident,
    init_config,
    ladder,
    load,
    mcp,
    ready,
    report,
    rum,
    scan,
    status,
    traffic,
    up,
    user,
    validate,
)
from warden.cli._help import tidy

app = typer.Typer(
    name="warden",
    help="Warden keeps a small team's infrastructure healthy: monitors, alerts, audits, "
    "load tests and backups from one YAML file.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

app.command()(up.up)
app.command()(validate.validate)
app.command()(validate.schema)
app.command()(init_config.init)
app.command()(check.check)
app.command()(status.status)
app.command()(ready.ready)
app.command()(ladder.ladder)
app.command()(doc.doc)
app.command()(mcp.mcp)
app.command()(diagnose.diagnose)
app.command()(scan.scan)

# Command groups, one line each:
app.add_typer(alerts.app, name="alerts")
app.add_typer(alerts.silence_app, name="silence")
app.add_typer(incident.app, name="incident")
app.add_typer(audit.app, name="audit")
app.add_typer(load.app, name="load")
app.add_typer(backup.app, name="backup")
app.add_typer(dr.app, name="dr")
app.add_typer(user.app, name="user")
app.add_typer(traffic.app, name="traffic")
app.add_typer(capacity.app, name="capacity")
app.add_typer(cost.app, name="cost")
app.add_typer(rum.app, name="rum")
app.add_typer(report.app, name="report")
app.add_typer(export.app, name="export")
app.add_typer(gameday.app, name="gameday")
app.add_typer(deploy.app, name="deploy")
app.add_typer(agent.app, name="agent")


def command() -> Any:
    """The click command tree of ``app``, with the plain help rendering of ``_help.py``."""
    return tidy(typer.main.get_command(app))


def main() -> None:
    command()()
