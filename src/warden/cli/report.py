"""``warden report``: routine reports from the store (``daily``: the morning check;
``weekly``: the seven-point scorecard)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from warden.cli._common import (
    ConfigOption,
    JsonOption,
    emit_report,
    fail,
    handle_errors,
    load,
)

app = typer.Typer(
    help="Routine reports from stored data: the daily check, the weekly scorecard.",
    no_args_is_help=True,
)

FORMATS = ("text", "markdown", "html", "compact")


@app.command("daily")
@handle_errors
def daily(
    since: Annotated[str, typer.Option(help="Start: a duration back or a time.")] = "24h",
    until: Annotated[str | None, typer.Option(help="End (default: now).")] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="text, markdown, html or compact (one line each).")
    ] = "text",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write here.")] = None,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """The daily check: alerts, incidents, SLOs, monitors, backups, resources, audits.

    A section without data says so and how to get it. Exits 1 when one needs attention.
    """
    from warden.config._types import parse_moment
    from warden.reports import render
    from warden.reports.daily import daily_report
    from warden.tables import open_store

    if fmt not in FORMATS:
        fail(f"--format {fmt!r}: one of {', '.join(FORMATS)}")
    now = time.time()
    try:
        start = parse_moment(since, now)
        end = parse_moment(until, now) if until else now
    except ValueError as exc:
        fail(str(exc))
    if end <= start:
        fail("--since must lie before --until")
    cfg = load(config)
    store = open_store(cfg.store.url.get_secret_value())
    try:
        data = daily_report(store, cfg, start, end)
    finally:
        store.close()
    renderers = {"text": render.markdown, "markdown": render.markdown, "html": render.html,
                 "compact": render.compact}  # fmt: skip
    emit_report("report.daily", data, renderers[fmt], fmt, output, json_out)
    if data["status"] != "ok":
        raise typer.Exit(1)


@app.command("weekly")
@handle_errors
def weekly(
    until: Annotated[str | None, typer.Option(help="End of the week (default: now).")] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="text, markdown, html or compact (one line).")
    ] = "text",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write here.")] = None,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """The seven-point scorecard of the last week, beside the week before.

    Points: availability, performance, security, secrets, cost, recovery, documentation.
    Exits 1 under 5/7.
    """
    from warden.config._types import parse_moment
    from warden.reports import render
    from warden.reports.weekly import weekly_report
    from warden.tables import open_store

    if fmt not in FORMATS:
        fail(f"--format {fmt!r}: one of {', '.join(FORMATS)}")
    now = time.time()
    try:
        end = parse_moment(until, now) if until else now
    except ValueError as exc:
        fail(str(exc))
    cfg = load(config)
    store = open_store(cfg.store.url.get_secret_value())
    try:
        data = weekly_report(store, cfg, end)
    finally:
        store.close()
    renderers = {"text": render.weekly_markdown, "markdown": render.weekly_markdown,
                 "html": render.weekly_html, "compact": render.weekly_compact}  # fmt: skip
    emit_report("report.weekly", data, renderers[fmt], fmt, output, json_out)
    if data["this_week"]["score"] < 5:
        raise typer.Exit(1)
