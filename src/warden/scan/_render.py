"""A scan report for people: a Rich table grouped by severity, and Markdown for a PR."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from warden.audit._base import Severity
from warden.report import markdown as md
from warden.scan._base import ScanReport

STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "bold yellow",
    Severity.LOW: "cyan",
}


def _summary(report: ScanReport) -> str:
    counts = ", ".join(f"{n} {label}" for label, n in report.counts().items() if n)
    read = ", ".join(f"{n} {kind}" for kind, n in report.files.items()) or "no files"
    extra = f"; {len(report.suppressed)} suppressed" if report.suppressed else ""
    return f"{counts or 'no findings'} ({read}; {report.duration:.2f} s{extra})"


def print_report(report: ScanReport, console: Console) -> None:
    """The findings worst first (location, rule, resource, message), then each fix once."""
    console.print(f"[bold]scan[/] of [bold]{escape(report.path)}[/]: {_summary(report)}")
    if report.findings:
        table = Table(show_lines=False, pad_edge=False, expand=False)
        for col in ("severity", "id", "location", "resource", "message"):
            table.add_column(col, overflow="fold")
        for f in report.findings:
            table.add_row(
                f"[{STYLE[f.severity]}]{f.severity.label}[/]",
                f.id,
                escape(f.location),
                escape(f.resource),
                escape(f.message),
            )
        console.print(table)
        console.print("[bold]fixes[/]")
        seen: set[tuple[str, str]] = set()
        for f in report.findings:
            if (f.id, f.fix) not in seen:
                seen.add((f.id, f.fix))
                console.print(f"  [green]{f.id}[/]: {escape(f.fix)}", soft_wrap=True)
    for note in report.notes:
        console.print(f"[dim]note: {escape(note)}[/]", soft_wrap=True)
    for err in report.errors:
        console.print(f"[red]check failed (a Warden bug): {escape(err)}[/]", soft_wrap=True)


def to_markdown(report: ScanReport) -> str:
    """The report as Markdown for a ticket or a pull request."""
    parts = [
        md.heading(f"Infrastructure scan of {report.path}", 2),
        _summary(report),
        md.table(["severity", "findings"], list(report.counts().items())),
    ]
    if report.findings:
        rows = [
            (f.severity.label, f.id, f.location, f.resource, f.message, f.fix)
            for f in report.findings
        ]
        parts.append(md.table(["severity", "id", "location", "resource", "finding", "fix"], rows))
    else:
        parts.append("No findings.")
    if report.suppressed:
        parts.append(md.heading("Accepted", 3))
        parts.append(
            md.bullets(
                [
                    f"{s.finding.id} at {s.finding.location} ({s.how}): {s.reason}"
                    for s in report.suppressed
                ]
            )
        )
    if report.notes:
        parts.append(md.heading("Notes", 3))
        parts.append(md.bullets(report.notes))
    if report.errors:
        parts.append(md.heading("Checks that failed", 3))
        parts.append(md.bullets(report.errors))
    return "\n\n".join(parts) + "\n"
