"""The ``warden`` command: one Typer app; each command or group lives in its own module."""

from __future__ import annotations

import typer

from warden.cli import check, init_config, up, validate

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
app.command()(check.status)

# Command groups, one line each:


def main() -> None:
    app()
