"""``warden scan PATH``: findings in infrastructure code (Terraform and plans, Kubernetes and
Kustomize, Dockerfiles, Compose, secrets), cross-checked with the running system when a Warden
config is found.

Exit codes: 0 done (nothing at or above --fail-on); 1 findings at or above --fail-on;
2 bad input (no such path, bad option, malformed baseline or config); 4 Warden itself failed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from warden.cli._common import (
    EXIT_INPUT,
    EXIT_PROBLEM,
    ConfigOption,
    JsonOption,
    fail,
    handle_errors,
    stdout,
)

if TYPE_CHECKING:
    from warden.scan import ScanReport

FORMATS = ("table", "json", "sarif", "markdown")


def _config(path: Path | None, runtime: bool) -> tuple[Any, Any, list[str]]:
    """The Warden config (given, or found by the usual search) and its store, when there is
    one; a scan without them still runs, minus the runtime cross-checks."""
    from warden.cli._common import config_path, load

    notes: list[str] = []
    if path is None and not config_path(None).is_file():
        return None, None, notes
    config = load(path)
    if not runtime or not config.backups:
        return config, None, notes
    try:
        from warden.tables import open_store

        return config, open_store(config.store.url.get_secret_value()), notes
    except Exception as exc:  # the scan is still worth having without the drills
        notes.append(f"store not opened ({type(exc).__name__}): restore drills not checked")
        return config, None, notes


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def _print(report: ScanReport, fmt: str, output: Path | None) -> None:
    from warden.scan import scan_json, to_sarif

    if fmt == "json":
        from warden.report.jsonout import dumps

        _emit(dumps("scan", scan_json(report)), output)
    elif fmt == "sarif":
        _emit(json.dumps(to_sarif(report), indent=2), output)
    elif fmt == "markdown":
        from warden.scan._render import to_markdown

        _emit(to_markdown(report), output)
    elif output is not None:
        from rich.console import Console

        with output.open("w", encoding="utf-8") as fh:
            from warden.scan._render import print_report

            print_report(report, Console(file=fh, width=160, highlight=False))
    else:
        from warden.scan._render import print_report

        print_report(report, stdout())


@handle_errors
def scan(
    path: Annotated[Path, typer.Argument(help="Folder (or file) of infrastructure code.")],
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="table, json, sarif or markdown.")
    ] = "table",
    json_out: JsonOption = False,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file.")
    ] = None,
    fail_on: Annotated[
        str | None,
        typer.Option("--fail-on", help="Exit 1 if a finding is at or above this severity."),
    ] = None,
    baseline: Annotated[
        Path | None, typer.Option("--baseline", help="Accept the findings listed in FILE.")
    ] = None,
    write_baseline: Annotated[
        Path | None,
        typer.Option("--write-baseline", help="Write the current findings to FILE as accepted."),
    ] = None,
    reason: Annotated[
        str, typer.Option("--reason", help="Why, for --write-baseline.")
    ] = "accepted when the baseline was written",
    required_tag: Annotated[
        list[str] | None,
        typer.Option("--required-tag", help="Cost-allocation tag every resource needs (repeat)."),
    ] = None,
    kustomize: Annotated[
        str, typer.Option("--kustomize", help="auto (kubectl when installed), kubectl or off.")
    ] = "auto",
    exclude: Annotated[
        list[str] | None, typer.Option("--exclude", help="Glob of paths to skip (repeat).")
    ] = None,
    cert_days: Annotated[
        float | None, typer.Option("--cert-days", min=0, help="Warn on certificates within.")
    ] = None,
    no_runtime: Annotated[
        bool, typer.Option("--no-runtime", help="Skip the cross-checks with the running system.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Scan infrastructure code: secrets, exposure, IAM, containers, TLS, DR, cost, layout."""
    from warden.audit import Severity
    from warden.errors import AuditError
    from warden.scan import ScanError, baseline_document, load_baseline, scan_path

    fmt = "json" if json_out else fmt.lower()
    if fmt not in FORMATS:
        fail(f"--format {fmt!r}: use one of {', '.join(FORMATS)}", EXIT_INPUT)
    if kustomize not in ("auto", "kubectl", "off"):
        fail(f"--kustomize {kustomize!r}: use auto, kubectl or off", EXIT_INPUT)
    try:
        threshold = Severity.parse(fail_on) if fail_on else None
    except AuditError as exc:
        fail(f"--fail-on: {exc}", EXIT_INPUT)
    if not path.exists():
        fail(f"{path}: no such file or folder", EXIT_INPUT)
    cfg, store, notes = _config(config, not no_runtime)
    try:
        accepted = load_baseline(baseline) if baseline else {}
        overrides: dict[str, Any] = {
            "baseline": accepted,
            "kustomize": kustomize,
            "exclude": tuple(exclude or ()),
            "runtime": not no_runtime,
        }
        if required_tag:
            overrides["required_tags"] = tuple(required_tag)
        if cert_days is not None:
            overrides["cert_days"] = cert_days
        if cfg is not None:
            options = cfg.scan.options(**overrides)
        else:
            from warden.scan import ScanOptions

            options = ScanOptions(**overrides)
        report = scan_path(path, options, config=cfg, store=store)
    except ScanError as exc:
        fail(str(exc), EXIT_INPUT)
    finally:
        if store is not None:
            store.close()
    report.notes[:0] = notes
    if write_baseline is not None:
        doc = baseline_document(report.findings, reason)
        write_baseline.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        typer.echo(f"wrote {len(report.findings)} accepted findings to {write_baseline}", err=True)
        return
    _print(report, fmt, output)
    if threshold is not None and report.at_least(threshold):
        raise typer.Exit(EXIT_PROBLEM)
