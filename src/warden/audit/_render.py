"""An audit report for people: a Rich terminal view grouped by severity, and Markdown."""

from __future__ import annotations

import datetime as dt

from rich.console import Console
from rich.markup import escape
from rich.rule import Rule

from warden.audit._base import AuditReport, Finding, Severity
from warden.report import markdown as md

STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "bold yellow",
    Severity.LOW: "cyan",
}


def _when(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _grouped(report: AuditReport) -> list[tuple[Severity, list[Finding]]]:
    out = []
    for sev in sorted(Severity, reverse=True):
        found = [f for f in report.findings if f.severity is sev]
        if found:
            out.append((sev, found))
    return out


def print_report(report: AuditReport, console: Console) -> None:
    """The findings, worst first, each with its evidence, why it matters and the fix."""
    counts = ", ".join(f"{n} {label}" for label, n in report.counts().items() if n)
    console.print(
        f"[bold]{report.kind} audit[/] of [bold]{escape(report.target)}[/] "
        f"({report.duration:.2f} s, {len(report.checks)} checks): {counts or 'no findings'}"
    )
    for sev, findings in _grouped(report):
        console.print(Rule(f"[{STYLE[sev]}] {sev.label.upper()} [/] ({len(findings)})"))
        for f in findings:
            console.print(
                f"[{STYLE[sev]}]●[/] [bold]{escape(f.title)}[/]  [dim]{f.id} · "
                f"{escape(f.subject)}[/]"
            )
            console.print(f"  [dim]evidence[/] {escape(f.evidence)}", soft_wrap=True)
            console.print(f"  [dim]why[/]      {escape(f.why)}", soft_wrap=True)
            console.print(f"  [green]fix[/]      {escape(f.fix)}", soft_wrap=True)
    for note in report.notes:
        console.print(f"[dim]note: {escape(note)}[/]", soft_wrap=True)
    for err in report.errors:
        console.print(f"[red]check failed (a Warden bug): {escape(err)}[/]", soft_wrap=True)


def to_markdown(report: AuditReport) -> str:
    """The report as Markdown for a ticket or a pull request."""
    parts = [
        md.heading(f"{report.kind} audit of {report.target}", 2),
        f"Run {_when(report.started)} in {report.duration:.2f} s; {len(report.checks)} checks.",
        md.table(["severity", "findings"], [(k, v) for k, v in report.counts().items()]),
    ]
    for sev, findings in _grouped(report):
        parts.append(md.heading(f"{sev.label.capitalize()} ({len(findings)})", 3))
        parts.append(
            md.table(["id", "subject", "finding"], [(f.id, f.subject, f.title) for f in findings])
        )
        for f in findings:
            parts.append(md.heading(f"{f.title}", 4))
            parts.append(
                md.bullets(
                    [
                        f"id: {f.id} ({sev.label})",
                        f"subject: {f.subject}",
                        f"evidence: {f.evidence}",
                        f"why: {f.why}",
                        f"fix: {f.fix}",
                    ]
                )
            )
    if not report.findings:
        parts.append("No findings.")
    if report.notes:
        parts.append(md.heading("Notes", 3))
        parts.append(md.bullets(report.notes))
    if report.errors:
        parts.append(md.heading("Checks that failed", 3))
        parts.append(md.bullets(report.errors))
    return "\n\n".join(parts) + "\n"
