"""``warden audit web|tls|postgres|mysql|redis``: findings that make an app slow or unsafe.

Exit codes: 0 done (and nothing at or above --fail-on); 1 findings at or above --fail-on, or
the target could not be audited (unreachable, refused, timed out); 2 bad input (URL, option,
threshold); 4 Warden itself failed.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from warden.cli._common import (
    EXIT_INPUT,
    EXIT_PROBLEM,
    JsonOption,
    fail,
    handle_errors,
    stderr,
    stdout,
    write_json,
)

if TYPE_CHECKING:
    from warden.audit import AuditOptions, AuditReport

app = typer.Typer(
    help="Find what makes an app slow or unsafe: web endpoint, TLS, PostgreSQL, MySQL, Redis.",
    no_args_is_help=True,
)

_SCHEMES = {
    "web": ("http://", "https://"),
    "postgres": ("postgres://", "postgresql://"),
    "mysql": ("mysql://", "mariadb://"),
    "redis": ("redis://", "rediss://", "unix://"),
}


Markdown = Annotated[bool, typer.Option("--markdown", help="Print Markdown for a ticket or PR.")]
FailOn = Annotated[
    str | None,
    typer.Option(
        "--fail-on",
        help="Exit 1 if a finding is at or above this severity (critical, high, medium, low).",
        show_default=False,
    ),
]
Timeout = Annotated[float, typer.Option("--timeout", help="Seconds per request or statement.")]
Thresholds = Annotated[
    list[str] | None,
    typer.Option(
        "--threshold",
        "-t",
        help="Override a check limit, e.g. -t pg.idle_in_transaction.medium_seconds=5.",
        show_default=False,
    ),
]
CaFile = Annotated[
    Path | None,
    typer.Option("--ca-file", help="Extra trusted CA bundle (PEM).", show_default=False),
]


def _thresholds(items: list[str] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not key.strip():
            fail(f"--threshold {item!r}: use CHECK.NAME=NUMBER", EXIT_INPUT)
    return out


def _run(
    kind: str, target: str, options: AuditOptions, json_out: bool, md_out: bool, fail_on: str | None
) -> None:
    from warden.audit import Severity, audit
    from warden.audit._runner import audit_kind, split_thresholds
    from warden.errors import AuditError

    if json_out and md_out:
        fail("give --json or --markdown, not both", EXIT_INPUT)
    schemes = _SCHEMES.get(kind)
    if schemes and not target.lower().startswith(schemes):
        fail(f"{kind} target must start with {' or '.join(schemes)}", EXIT_INPUT)
    try:
        threshold = Severity.parse(fail_on) if fail_on else None
        spec = audit_kind(kind)
        for check_type, limits in split_thresholds(spec, options.thresholds).items():
            spec.registry.get(check_type)(limits)
        unknown = [k for k in options.thresholds if not k.startswith(spec.prefix + ".")]
        if unknown:
            raise AuditError(f"threshold {unknown[0]!r} is not a {kind} check limit")
    except AuditError as exc:
        fail(str(exc), EXIT_INPUT)
    quiet = json_out or md_out or not sys.stderr.isatty()
    try:
        if quiet:
            report = asyncio.run(audit(kind, target, options))
        else:
            with stderr().status(f"auditing {kind} target…"):
                report = asyncio.run(audit(kind, target, options))
    except AuditError as exc:
        fail(f"audit could not run: {exc}", EXIT_PROBLEM)
    _print(report, json_out, md_out)
    if threshold is not None and report.at_least(threshold):
        raise typer.Exit(EXIT_PROBLEM)


def _print(report: AuditReport, json_out: bool, md_out: bool) -> None:
    if json_out:
        write_json("audit", report.payload())
    elif md_out:
        from warden.audit._render import to_markdown

        sys.stdout.write(to_markdown(report))
    else:
        from warden.audit._render import print_report

        print_report(report, stdout())


def _options(timeout: float, thresholds: list[str] | None, **kw: object) -> AuditOptions:
    from warden.audit import AuditOptions

    if timeout <= 0:
        fail("--timeout must be positive", EXIT_INPUT)
    return AuditOptions(timeout=timeout, thresholds=_thresholds(thresholds), **kw)  # type: ignore[arg-type]


@app.command()
@handle_errors
def web(
    url: Annotated[str, typer.Argument(help="Page to audit (http:// or https://).")],
    json_out: JsonOption = False,
    markdown: Markdown = False,
    fail_on: FailOn = None,
    timeout: Timeout = 10.0,
    threshold: Thresholds = None,
    max_assets: Annotated[int, typer.Option("--max-assets", min=0, max=500)] = 40,
    ca_file: CaFile = None,
) -> None:
    """Fetch a page and its assets: compression, caching, images, payload, HTTP/2, headers."""
    opts = _options(timeout, threshold, max_assets=max_assets, ca_file=ca_file)
    _run("web", url, opts, json_out, markdown, fail_on)


@app.command()
@handle_errors
def tls(
    endpoint: Annotated[str, typer.Argument(help="HOST[:PORT] (port 443 by default).")],
    json_out: JsonOption = False,
    markdown: Markdown = False,
    fail_on: FailOn = None,
    timeout: Timeout = 10.0,
    threshold: Thresholds = None,
    ca_file: CaFile = None,
    sni: Annotated[
        str | None, typer.Option("--sni", help="Name to verify instead of HOST.")
    ] = None,
) -> None:
    """Certificate expiry, chain, host name, protocol versions, weak ciphers, key size, OCSP."""
    opts = _options(timeout, threshold, ca_file=ca_file, sni=sni)
    _run("tls", endpoint, opts, json_out, markdown, fail_on)


@app.command()
@handle_errors
def postgres(
    url: Annotated[str, typer.Argument(help="postgresql://user:pass@host:port/db")],
    json_out: JsonOption = False,
    markdown: Markdown = False,
    fail_on: FailOn = None,
    timeout: Timeout = 10.0,
    threshold: Thresholds = None,
    machine_memory: Annotated[
        str | None,
        typer.Option("--machine-memory", help="RAM of a remote server (e.g. 16GiB)."),
    ] = None,
) -> None:
    """Read-only PgHero-style audit: indexes, bloat, vacuum, sequences, sessions, settings."""
    from warden.config._types import parse_size

    memory = None
    if machine_memory:
        try:
            memory = parse_size(machine_memory)
        except ValueError as exc:
            fail(f"--machine-memory: {exc}", EXIT_INPUT)
    opts = _options(timeout, threshold, machine_memory=memory)
    _run("postgres", url, opts, json_out, markdown, fail_on)


@app.command()
@handle_errors
def mysql(
    url: Annotated[str, typer.Argument(help="mysql://user:pass@host:port/db")],
    json_out: JsonOption = False,
    markdown: Markdown = False,
    fail_on: FailOn = None,
    timeout: Timeout = 10.0,
    threshold: Thresholds = None,
) -> None:
    """Statement digests, unused and redundant indexes, connections, InnoDB buffer pool."""
    _run("mysql", url, _options(timeout, threshold), json_out, markdown, fail_on)


@app.command()
@handle_errors
def redis(
    url: Annotated[str, typer.Argument(help="redis://[:password@]host:port/db")],
    json_out: JsonOption = False,
    markdown: Markdown = False,
    fail_on: FailOn = None,
    timeout: Timeout = 10.0,
    threshold: Thresholds = None,
) -> None:
    """Memory and eviction, hit ratio, fragmentation, clients, persistence, slow log."""
    _run("redis", url, _options(timeout, threshold), json_out, markdown, fail_on)
