"""``warden cost``: ingest FOCUS exports, report spend, budgets, anomalies and savings."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from warden.cli._common import (
    EXIT_INPUT,
    ConfigOption,
    JsonOption,
    emit_report,
    fail,
    handle_errors,
    load,
    stderr,
    stdout,
    write_json,
)

if TYPE_CHECKING:
    from warden.config.schema import WardenConfig

app = typer.Typer(
    help="Cost: ingest FOCUS cost and usage exports, then spend by month, service, region and "
    "tag, budgets, anomalies, right-sizing, waste and commitments (docs/cost.md).",
    no_args_is_help=True,
)

FORMATS = ("text", "markdown", "html")


def _data_dir(cfg: WardenConfig) -> Path:
    from warden.cost.lake import data_dir

    return data_dir(cfg.cost, cfg.store.url.get_secret_value())


@app.command("ingest")
@handle_errors
def ingest(
    sources: Annotated[
        list[str] | None,
        typer.Argument(
            help="Files, folders or s3://BUCKET/PREFIX (default: cost.sources).", show_default=False
        ),
    ] = None,
    skip_bad: Annotated[
        bool, typer.Option("--skip-bad", help="Leave bad rows out (still listed) and go on.")
    ] = False,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Load FOCUS 1.0-1.3 exports (CSV or Parquet, gzip'd or not) into the cost data.

    A file already ingested (same content) is skipped; a new version of a file from the same
    place replaces the old one. A bad row is listed as file:row:column and stops the ingest
    (nothing changes) unless --skip-bad. Exits 2 on bad input.
    """
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn

    from warden.cost.errors import CostInputError
    from warden.cost.ingest import ingest as run

    cfg = load(config)
    targets = list(sources or cfg.cost.sources)
    if not targets:
        fail("give a file, folder or s3:// URL, or list them under cost.sources")
    root = _data_dir(cfg)
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=stderr(), transient=True) as bar:
            task = bar.add_task("ingest", total=None)

            def show(source: str, phase: str, done: int, total: int) -> None:
                bar.update(
                    task,
                    description=f"{phase:5} {source[-50:]}",
                    completed=done,
                    total=total or None,
                )

            data = run(targets, cfg.cost, root, skip_bad=skip_bad, progress=show)
    except CostInputError as exc:
        err = stderr()
        for problem in exc.problems:
            err.print(problem, markup=False, highlight=False, soft_wrap=True)
        fail(str(exc), EXIT_INPUT)
    if json_out:
        write_json("cost.ingest", data)
        return
    out = stdout()
    for f in data["files"]:
        extra = f" ({f['skipped']} bad rows left out)" if f["skipped"] else ""
        out.print(f"{f['status']:9} {f['source']}: {f['rows']:,} lines{extra}", markup=False)
    for problem in data["bad_rows"]:
        stderr().print(problem, markup=False, highlight=False, soft_wrap=True)
    out.print(
        f"{data['total_files']} files, {data['total_rows']:,} lines in {root} "
        f"({data['seconds']:.1f} s)",
        markup=False,
    )


@app.command("report")
@handle_errors
def report(
    month: Annotated[
        str | None, typer.Option(help="YYYY-MM (default: the month of the latest data).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="text, markdown or html.")] = "text",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write here.")] = None,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Spend by month, service, region and tag; the untagged share and the top resources;
    the change from the month before and the month-end forecast; budgets; anomalies; and the
    cost audit: numbered opportunities (right-sizing, waste, schedules, spot, commitments)
    with their monthly saving and the new monthly cost.

    Exits 1 when a budget is exceeded by more than cost.variance_threshold (flagged either
    way) or the month has a spend anomaly.
    """
    from warden.cost.report import check_month, cost_report
    from warden.tables import open_store

    if fmt not in FORMATS:
        fail(f"--format {fmt!r}: one of {', '.join(FORMATS)}")
    if month is not None:
        try:
            check_month(month)
        except ValueError as exc:
            fail(str(exc))
    cfg = load(config)
    store = open_store(cfg.store.url.get_secret_value())
    try:
        data = cost_report(
            _data_dir(cfg),
            cfg.cost,
            time.time(),
            month=month,
            engine=store.engine,
            series=fmt == "html" and not json_out,
        )
    finally:
        store.close()
    _emit(data, fmt, output, json_out)
    if not data.get("empty") and (
        any(b["status"] == "over" for b in data["budgets"]) or data["anomalies"]["items"]
    ):
        raise typer.Exit(1)


def _emit(data: dict[str, Any], fmt: str, output: Path | None, json_out: bool) -> None:
    from warden.cost import render

    emit_report("cost", data, render.html if fmt == "html" else render.markdown, fmt, output,
                json_out)  # fmt: skip


@app.command("generate")
@handle_errors
def generate(
    output: Annotated[
        Path, typer.Argument(help="File to write: .parquet, .csv or .csv.gz.", show_default=False)
    ],
    start: Annotated[str, typer.Option(help="First month, YYYY-MM.")] = "2025-01",
    months: Annotated[int, typer.Option(min=1, max=36, help="Months of lines.")] = 3,
    rows: Annotated[int, typer.Option(min=0, help="About this many lines (0: the core).")] = 0,
    version: Annotated[str, typer.Option(help="FOCUS version: 1.0, 1.1, 1.2 or 1.3.")] = "1.2",
) -> None:
    """Write a made-up but realistic FOCUS export (for a demo or a benchmark): several
    clouds, services, regions and tags, commitments, spot, idle resources and one month
    with a spend anomaly."""
    from warden.cost.generate import generate as make
    from warden.cost.generate import write

    if version not in ("1.0", "1.1", "1.2", "1.3"):
        fail(f"--version {version!r}: one of 1.0, 1.1, 1.2, 1.3")
    try:
        from warden.cost.report import check_month

        check_month(start)
    except ValueError as exc:
        fail(str(exc))
    table = make(start, months, rows, version=version)
    write(table, output)
    stdout().print(f"{table.num_rows:,} lines written to {output}", markup=False)
