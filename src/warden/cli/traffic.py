"""``warden traffic``: real traffic from access logs (``top``: slowest and most erroring routes)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from warden.cli._common import JsonOption, fail, handle_errors, stdout, write_json
from warden.cli._table import Col, table

app = typer.Typer(help="Real traffic from access logs.", no_args_is_help=True)

FORMATS = "nginx, apache, json, alb, cloudfront"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


@app.command("top")
@handle_errors
def top(
    log: Annotated[Path, typer.Option("--log", help="Access log file (.gz too).")],
    fmt: Annotated[str, typer.Option("--format", help=f"One of {FORMATS}.")] = "nginx",
    sort: Annotated[
        str, typer.Option(help="Rank by p95, p99, errors (5xx rate), rate or requests.")
    ] = "p95",
    limit: Annotated[int, typer.Option(min=1, help="Routes to show.")] = 20,
    since: Annotated[
        str | None, typer.Option(help="Only requests of the last DURATION of the log (1h).")
    ] = None,
    route: Annotated[
        list[str] | None,
        typer.Option("--route", help="Route pattern such as /users/:id (repeatable)."),
    ] = None,
    field: Annotated[
        list[str] | None,
        typer.Option(help="JSON format: NAME=KEY, e.g. duration=upstream.time (repeatable)."),
    ] = None,
    duration_unit: Annotated[str, typer.Option(help="JSON format: s, ms or us.")] = "s",
    json_out: JsonOption = False,
) -> None:
    """The slowest and most erroring routes of an access log: p50, p95, p99, rate, errors."""
    from warden.config._types import parse_duration
    from warden.traffic.top import top_from_log

    if not log.is_file():
        fail(f"--log {log}: no such file")
    fields: dict[str, str] = {}
    for item in field or []:
        name, sep, key = item.partition("=")
        if not sep or not key:
            fail(f"--field {item!r}: write NAME=KEY, e.g. duration=request_time")
        fields[name] = key
    cutoff: float | None = None
    if since is not None:
        try:
            window = parse_duration(since)
        except ValueError as exc:
            fail(f"--since {since!r}: {exc}")
        cutoff = _log_end(log, fmt, fields, duration_unit) - window
    try:
        with _progress(log, enabled=not json_out) as progress:
            data = top_from_log(
                log,
                fmt,
                patterns=route or [],
                sort=sort,
                limit=limit,
                since=cutoff,
                fields=fields,
                duration_unit=duration_unit,
                progress=progress,
            )
    except ValueError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"--log {log}: {exc.strerror or exc}", 1)
    if json_out:
        write_json("traffic.top", data)
        return
    _print(data)


def _log_end(log: Path, fmt: str, fields: dict[str, str], unit: str) -> float:
    """The newest request time in the log (``--since`` counts back from it, not from now)."""
    from warden.traffic.formats import log_format
    from warden.traffic.logfile import ReadReport, read_requests

    options: dict[str, Any] = {"fields": fields, "duration_unit": unit} if fmt == "json" else {}
    newest = 0.0
    for r in read_requests(log, log_format(fmt, **options), ReadReport()):
        newest = max(newest, r.ts)
    return newest or time.time()


class _progress:
    """A Rich progress bar over the bytes of the file, on a terminal only."""

    def __init__(self, log: Path, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty() and log.suffix != ".gz"
        self.size = log.stat().st_size if self.enabled else 0
        self.bar: Any = None

    def __enter__(self) -> Any:
        if not self.enabled:
            return None
        from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

        self.bar = Progress(
            "{task.description}", BarColumn(), DownloadColumn(), TransferSpeedColumn(),
            transient=True,
        )  # fmt: skip
        self.bar.start()
        task = self.bar.add_task("reading", total=self.size)
        return lambda n: self.bar.advance(task, n)

    def __exit__(self, *_: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _print(data: dict[str, Any]) -> None:
    out = stdout()
    window = data["window"]
    out.print(
        f"{data['source']}: {data['requests']:,} requests from {window['from']} to "
        f"{window['to']} ({data['route_count']} routes), error rate "
        f"{(data['error_rate'] or 0) * 100:.2f}%, sorted by {data['sort']}"
    )
    cols = [
        Col("route"), Col("method", whole=True), Col("requests", right=True),
        Col("req/s", right=True), Col("5xx %", right=True), Col("4xx", right=True),
        Col("p50 ms", right=True), Col("p95 ms", right=True), Col("p99 ms", right=True),
    ]  # fmt: skip
    rows = [
        [
            r["route"],
            r["method"],
            f"{r['requests']:,}",
            f"{r['rate']:,.2f}" if r["rate"] is not None else "-",
            f"{(r['error_rate'] or 0) * 100:.2f}",
            str(r["status"]["4xx"]),
            _ms(r["p50_ms"]),
            _ms(r["p95_ms"]),
            _ms(r["p99_ms"]),
        ]
        for r in data["routes"]
    ]
    out.print(table(cols, rows))
    if data["bad_lines"]:
        first = data["bad_samples"][0]
        out.print(
            f"[yellow]{data['bad_lines']:,} line(s) did not parse as {data['format']}[/]; "
            f"first at line {first['line']}: {first['text'][:120]}"
        )
