"""``warden traffic``: real traffic (``top``: the slowest and most erroring routes, from the
stored history of the access log and Prometheus collectors, or from a log file given directly).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from warden.cli._common import (
    ConfigOption,
    JsonOption,
    fail,
    handle_errors,
    load,
    stdout,
    write_json,
)
from warden.cli._table import Col, table

app = typer.Typer(
    help="Real traffic from access logs and scraped app metrics.", no_args_is_help=True
)

FORMATS = "nginx, apache, json, alb, cloudfront"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


@app.command("top")
@handle_errors
def top(
    log: Annotated[
        Path | None,
        typer.Option("--log", help="Read this access log (.gz too) instead of the store."),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help=f"With --log: one of {FORMATS}.")] = "nginx",
    sort: Annotated[
        str, typer.Option(help="Rank by p95, p99, errors (5xx rate), rate or requests.")
    ] = "p95",
    limit: Annotated[int, typer.Option(min=1, help="Routes to show.")] = 20,
    since: Annotated[
        str | None,
        typer.Option(
            help="Start of the window: a duration back (1h) or an ISO time. Store: 1h by "
            "default; --log: the log's last DURATION (default: all of it)."
        ),
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Store: end of the window (default: now).")
    ] = None,
    service: Annotated[
        str | None, typer.Option(help="Store: only this service (collector name by default).")
    ] = None,
    route: Annotated[
        list[str] | None,
        typer.Option("--route", help="With --log: route pattern such as /users/:id (repeat)."),
    ] = None,
    field: Annotated[
        list[str] | None,
        typer.Option(help="JSON format: NAME=KEY, e.g. duration=upstream.time (repeatable)."),
    ] = None,
    duration_unit: Annotated[str, typer.Option(help="JSON format: s, ms or us.")] = "s",
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """The slowest and most erroring routes: p50, p95, p99, rate and 5xx rate over a window.

    Without --log it reads what the access_log and prometheus collectors of `warden up`
    stored; with --log it reads that file and needs no config.
    """
    if log is None:
        _top_from_store(config, sort, limit, since, until, service, json_out)
        return
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


def _top_from_store(
    config: Path | None,
    sort: str,
    limit: int,
    since: str | None,
    until: str | None,
    service: str | None,
    json_out: bool,
) -> None:
    from warden.config._types import parse_moment
    from warden.tables import open_store
    from warden.traffic.top import top_from_store

    now = time.time()
    try:
        start = parse_moment(since or "1h", now)
    except ValueError as exc:
        fail(f"--since: {exc}")
    try:
        end = parse_moment(until, now) if until else now
    except ValueError as exc:
        fail(f"--until: {exc}")
    cfg = load(config)
    store = open_store(cfg.store.url.get_secret_value())
    try:
        data = top_from_store(store, start, end, service=service, sort=sort, limit=limit)
    except ValueError as exc:
        fail(str(exc))
    finally:
        store.close()
    if json_out:
        write_json("traffic.top", data)
        return
    if not data["routes"]:
        stdout().print(
            "No stored traffic in this window. Add an access_log or prometheus collector "
            "(docs/traffic.md) and run `warden up`, or read a file with --log."
        )
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
        Col("route"), Col("method", whole=True), Col("service", whole=True),
        Col("requests", right=True),
        Col("req/s", right=True), Col("5xx %", right=True), Col("4xx", right=True),
        Col("p50 ms", right=True), Col("p95 ms", right=True), Col("p99 ms", right=True),
    ]  # fmt: skip
    rows = [
        [
            r["route"],
            r["method"],
            r["service"] or "",
            f"{r['requests']:,}",
            f"{r['rate']:,.2f}" if r["rate"] is not None else "-",
            f"{(r['error_rate'] or 0) * 100:.2f}",
            str(r["status"]["4xx"]) if r["status"] else "-",
            _ms(r["p50_ms"]),
            _ms(r["p95_ms"]),
            _ms(r["p99_ms"]),
        ]
        for r in data["routes"]
    ]
    out.print(table(cols, rows))
    if data["bad_lines"]:
        said = f"[yellow]{data['bad_lines']:,} line(s) did not parse"
        said += f" as {data['format']}[/]" if data["format"] else "[/] (see the warden up log)"
        if data["bad_samples"]:
            first = data["bad_samples"][0]
            said += f"; first at line {first['line']}: {first['text'][:120]}"
        out.print(said)
