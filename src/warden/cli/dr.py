"""``warden dr``: restore drills and the disaster-recovery report (RPO and RTO per backup).

Exit codes: 0 success; 1 the drill failed (restore error, a check mismatch), or with
``report --strict`` a backup misses its RPO, its last run failed or its last drill failed or
missed the RTO; 2 bad input; 3 the store cannot be written; 4 Warden failed.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated

import typer

from warden.cli._common import (
    EXIT_PROBLEM,
    ConfigOption,
    JsonOption,
    fail,
    handle_errors,
    stderr,
    stdout,
    write_json,
)
from warden.cli.backup import NameArg, OptionalName, backups_of, human_bytes, record

if TYPE_CHECKING:
    from warden.backup.config import BackupConfig
    from warden.backup.drill import DrillResult
    from warden.backup.status import BackupStatus

app = typer.Typer(
    help="Restore drills and the RPO/RTO report (see docs/backup.md).", no_args_is_help=True
)


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    from warden.config._types import format_duration

    return format_duration(round(value, 1) if value < 60 else round(value))


def _mark(ok: bool | None) -> str:
    return {True: "[green]ok[/]", False: "[bold red]MISSED[/]", None: ""}[ok]


@app.command("drill")
@handle_errors
def drill(
    name: NameArg,
    config: ConfigOption = None,
    store: Annotated[
        bool, typer.Option("--record/--no-record", help="Record the drill in the store.")
    ] = True,
    json_out: JsonOption = False,
) -> None:
    """Restore the latest backup into a scratch target, check it, drop it, time it."""
    from warden.backup import storage
    from warden.backup.drill import drill_once

    (cfg,) = backups_of(config, name)
    if not json_out:
        stderr().print(f"drill {name}: restoring the latest backup into a scratch target ...")
    result = drill_once(cfg)
    if store:
        record(config, lambda engine: storage.record_drill(engine, result))
    peers = _peers(cfg, backups_of(config, None))
    if json_out:
        from warden.backup.views import drill_json

        write_json("dr.drill", drill_json(result, peers))
    else:
        print_drill(result)
        for line in _comparison(result, peers):
            stdout().print(line)
    if not result.ok:
        raise typer.Exit(EXIT_PROBLEM)


def print_drill(result: DrillResult) -> None:
    from rich.table import Table

    out = stdout()
    table = Table(box=None, header_style="bold")
    for col in ("check", "result", "restored", "source", "note"):
        table.add_column(col)
    for c in result.checks:
        table.add_row(
            c.name,
            "[green]ok[/]" if c.ok else "[bold red]FAILED[/]",
            (c.restored or "-")[:60],
            "-" if c.source is None else c.source[:60],
            c.message,
        )
    if result.checks:
        out.print(table)
    if result.target_time is not None:
        from warden.report.text import iso

        reached = iso(result.recovered_to) if result.recovered_to else "-"
        out.print(f"point in time: target {iso(result.target_time)}, recovered to {reached}")
    rto = f" (RTO {_seconds(result.rto_seconds)} {_mark(result.rto_met)})"
    timing = f"restore took {_seconds(result.restore_seconds)}" + (
        rto if result.rto_seconds is not None else ""
    )
    if result.ok:
        out.print(f"[green]passed[/] {result.backup} backup {result.backup_id}: {timing}")
    else:
        out.print(f"[bold red]failed[/] {result.backup}: {result.error}")
        if result.restore_seconds is not None:
            out.print(timing)


def _peers(
    cfg: BackupConfig, cfgs: list[BackupConfig], known: dict[str, BackupStatus] | None = None
) -> list[tuple[str, DrillResult | None]] | None:
    """For a pgbackrest backup: the last drill of each pg_dump backup of the same server."""
    from warden.backup.pitr import last_drill, logical_peers

    if cfg.source.type != "pgbackrest":
        return None
    known = known or {}
    return [
        (p.name, known[p.name].last_drill if p.name in known else last_drill(p))
        for p in logical_peers(cfg, cfgs)
    ]


def _comparison(
    d: DrillResult | None, peers: list[tuple[str, DrillResult | None]] | None
) -> list[str]:
    if not peers:
        return []
    own = _seconds(d.restore_seconds) if d else "no drill"
    others = ", ".join(
        f"{name} (pg_dump) {_seconds(p.restore_seconds) if p else 'no drill'}" for name, p in peers
    )
    return [f"restore time: {d.backup if d else 'this'} (pgBackRest, PITR) {own}; {others}"]


def _problems(st: BackupStatus) -> list[str]:
    out = []
    if st.error:
        out.append(f"{st.backup}: repository unreadable: {st.error}")
    if st.rpo_met is False:
        out.append(f"{st.backup}: newest backup is {_seconds(st.age_seconds)} old, RPO is "
                   f"{_seconds(st.rpo_seconds)}")  # fmt: skip
    if st.last_success is None and not st.error:
        out.append(f"{st.backup}: no complete backup")
    if st.last_run_failed and not st.error:
        out.append(f"{st.backup}: last run failed: {st.last_error or 'interrupted'}")
    eng = st.engine
    if eng is not None and eng.error:
        out.append(f"{st.backup}: {eng.error}")
    if eng is not None and eng.wal_archive_failing:
        out.append(f"{st.backup}: WAL archiving fails (last failed {eng.last_failed_wal}, "
                   f"{eng.wal_failed_count} failures)")  # fmt: skip
    if st.last_drill is not None and not st.last_drill.ok:
        out.append(f"{st.backup}: last drill failed: {st.last_drill.error}")
    elif st.rto_met is False and st.last_drill is not None:
        took = _seconds(st.last_drill.restore_seconds)
        out.append(f"{st.backup}: last drill restored in {took}, RTO is {_seconds(st.rto_seconds)}")
    return out


def _rows(statuses: list[BackupStatus], now: float) -> list[list[str]]:
    from warden.report.text import ago

    def target(value: str, goal: float | None, met: bool | None) -> str:
        if goal is None:
            return value
        return f"{value} / {_seconds(goal)} " + ("ok" if met else "MISSED")

    rows = []
    for st in statuses:
        d = st.last_drill
        drill = f"{d.status} {ago(d.started, now)}" if d else "never"
        restore = _seconds(d.restore_seconds) if d else "-"
        retention = f"{st.complete} kept, {st.to_prune} to prune"
        if st.failed or st.incomplete:
            retention += f", {st.failed} failed, {st.incomplete} incomplete"
        rows.append([
            st.backup,
            ago(st.last_success, now) if st.last_success else "never",
            target(_seconds(st.age_seconds), st.rpo_seconds, st.rpo_met),
            st.last_run_status or "-",
            drill,
            target(restore, st.rto_seconds, st.rto_met) if d else restore,
            retention,
            human_bytes(st.repository_bytes) if not st.error else "unreadable",
        ])  # fmt: skip
    return rows


HEADERS = [
    "backup", "last success", "age / RPO", "last run", "last drill", "restore / RTO",
    "retention", "size",
]  # fmt: skip


@app.command("report")
@handle_errors
def report(
    name: OptionalName = None,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print Markdown.")] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 if any backup misses a target or failed.")
    ] = False,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Per backup: last success, age vs RPO, last drill vs RTO, retention, repository size."""
    from warden.backup.status import backup_status

    if markdown and json_out:
        fail("give --json or --markdown, not both")
    now = time.time()
    chosen = backups_of(config, name)
    statuses = [backup_status(cfg, now) for cfg in chosen]
    problems = [p for st in statuses for p in _problems(st)]
    every = backups_of(config, None)
    by_name = {st.backup: st for st in statuses}
    peers = {cfg.name: _peers(cfg, every, by_name) for cfg in chosen}
    notes = [line for st in statuses for line in _comparison(st.last_drill, peers[st.backup])]
    if json_out:
        from warden.backup.views import status_json

        items = [status_json(s, peers[s.backup]) for s in statuses]
        write_json("dr.report", {"generated": now, "backups": items, "problems": problems})
    elif markdown:
        from warden.report import markdown as md
        from warden.report.text import iso

        parts = [md.heading("Disaster recovery report", 1), f"Generated {iso(now)}.", ""]
        parts += [md.table(HEADERS, _rows(statuses, now)), "", *notes, ""]
        parts += [md.heading("Problems"), md.bullets(problems) if problems else "None."]
        stdout().print("\n".join(parts), markup=False, highlight=False, soft_wrap=True)
    else:
        from rich.table import Table

        table = Table(box=None, header_style="bold")
        for h in HEADERS:
            table.add_column(h, no_wrap=h == "backup")
        for row in _rows(statuses, now):
            table.add_row(*[_style(c) for c in row])
        out = stdout()
        out.print(table)
        for line in notes:
            out.print(line, markup=False)
        for p in problems:
            out.print(f"[bold red]![/] {p}", markup=True)
    if strict and problems:
        raise typer.Exit(EXIT_PROBLEM)


def _style(cell: str) -> str:
    from rich.markup import escape

    text = escape(cell)
    if cell.endswith(" MISSED") or cell == "failed" or cell.startswith("failed "):
        return f"[bold red]{text}[/]"
    if cell.endswith(" ok") or cell == "complete" or cell.startswith("passed "):
        return f"[green]{text}[/]"
    return text
