"""``warden backup``: run, list, verify, restore and prune backups; make a key.

Exit codes: 0 success; 1 the backup, verification or restore failed (a damaged object, a
wrong key, an unreachable source); 2 bad input (unknown backup, bad --at, missing key, a
non-empty restore target without --force); 3 the store cannot be written; 4 Warden failed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
    load,
    stderr,
    stdout,
    write_json,
)

if TYPE_CHECKING:
    from warden.backup.config import BackupConfig
    from warden.backup.stream import Progress

app = typer.Typer(
    help="Back up, verify, restore and prune (see docs/backup.md).", no_args_is_help=True
)

NameArg = Annotated[
    str, typer.Argument(help="The backup's name in the config.", show_default=False)
]
OptionalName = Annotated[
    str | None, typer.Argument(help="One backup (default: every one).", show_default=False)
]


def human_bytes(n: float | None) -> str:
    if n is None:
        return "-"
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"


def backups_of(config: Path | None, name: str | None) -> list[BackupConfig]:
    """The configured backups, or the one named (exit 2 if unknown)."""
    cfg = load(config)
    backups: list[BackupConfig] = list(cfg.backups)
    if name is None:
        if not backups:
            fail("the config has no backups: section", EXIT_INPUT)
        return backups
    for b in backups:
        if b.name == name:
            return [b]
    known = ", ".join(b.name for b in backups) or "none"
    fail(f"no backup named {name!r} in the config (known: {known})", EXIT_INPUT)


@contextmanager
def backup_errors() -> Iterator[None]:
    """Map backup failures to exit codes: a refused target or missing key is bad input."""
    from warden.backup.crypto import KeyConfigError
    from warden.backup.sources._base import TargetNotEmptyError
    from warden.errors import BackupError

    try:
        yield
    except (TargetNotEmptyError, KeyConfigError) as exc:
        fail(str(exc), EXIT_INPUT)
    except BackupError as exc:
        fail(str(exc), EXIT_PROBLEM)
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        fail(f"{exc.strerror or exc}{where}", EXIT_PROBLEM)


@contextmanager
def progress_bar(label: str, enabled: bool) -> Iterator[Progress | None]:
    """A Rich progress bar on stderr (bytes, rate, elapsed) when it is a terminal."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import (
        DownloadColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TransferSpeedColumn,
    )

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        DownloadColumn(binary_units=True),
        TransferSpeedColumn(),
        TextColumn("stored {task.fields[stored]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=stderr(), transient=True) as bar:
        task = bar.add_task(label, total=None, stored="0 B")
        stored = 0

        def advance(raw: int, out: int) -> None:
            nonlocal stored
            stored += out
            bar.update(task, advance=raw, stored=human_bytes(stored))

        yield advance


def record(config: Path | None, what: Callable[[Any], None]) -> None:
    """Write a run or drill to the store; a failure is a warning, not the command's result."""
    from warden.errors import WardenError

    try:
        from warden.tables import open_store

        cfg = load(config)
        store = open_store(cfg.store.url.get_secret_value())
        try:
            from warden.backup import storage

            storage.create_tables(store.engine)
            what(store.engine)
        finally:
            store.close()
    except WardenError as exc:
        stderr().print(f"[yellow]warning:[/] not recorded in the store: {exc}", markup=True)


@app.command("run")
@handle_errors
def run(
    name: NameArg,
    config: ConfigOption = None,
    store: Annotated[
        bool, typer.Option("--record/--no-record", help="Record the run in the store.")
    ] = True,
    json_out: JsonOption = False,
) -> None:
    """Run one backup now, with a progress bar; exits 1 if it failed."""
    from warden.backup import storage
    from warden.backup.crypto import load_key
    from warden.backup.runner import backup_once

    (cfg,) = backups_of(config, name)
    with backup_errors():
        load_key(cfg.key_env, cfg.key_file)  # a missing key is bad input: exit 2, no attempt
    with progress_bar(f"backup {name}", not json_out) as bar:
        result = backup_once(cfg, progress=bar)
    if store:
        record(config, lambda engine: storage.record_run(engine, result))
    if json_out:
        from warden.backup.views import run_json

        write_json("backup.run", run_json(result))
    elif result.ok:
        stdout().print(
            f"[green]complete[/] {result.backup}/{result.id}: {human_bytes(result.raw_bytes)} "
            f"read, {human_bytes(result.stored_bytes)} stored in {result.duration_seconds:.1f}s "
            f"({len(result.objects)} objects) to {result.repository}"
        )
    else:
        what = f"{result.backup}/{result.id}" if result.id else f"{result.backup} (nothing written)"
        stderr().print(f"[bold red]failed[/] {what}: {result.error}")
    if not result.ok:
        raise typer.Exit(EXIT_PROBLEM)


@app.command("list")
@handle_errors
def list_(
    name: OptionalName = None,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Backups in the repository: complete ones, and failed or incomplete attempts marked."""
    from warden.backup.manifest import list_backups
    from warden.backup.restore import opened

    rows = []
    with backup_errors():
        for cfg in backups_of(config, name):
            with opened(cfg, None) as (repo, key):
                rows += [(cfg, e) for e in list_backups(repo, cfg.name, key=key)]
    if json_out:
        from warden.backup.views import entry_json

        items = [entry_json(e) for _, e in rows]
        write_json("backup.list", {"backups": items})
        return
    untrusted = [e for _, e in rows if e.status == "unverified"]
    from rich.table import Table

    style = {
        "complete": "green",
        "failed": "bold red",
        "incomplete": "yellow",
        "damaged": "red",
        "unverified": "bold red",
    }
    table = Table(box=None, header_style="bold")
    for col in ("backup", "id", "status", "took", "original", "stored", "note"):
        table.add_column(
            col,
            justify="right" if col in {"took", "original", "stored"} else "left",
            no_wrap=col in {"id", "status"},
            overflow="fold",
        )
    for _, e in rows:
        took = f"{e.finished - e.started:.1f}s" if e.finished else "-"
        table.add_row(
            e.backup,
            e.id,
            f"[{style[e.status]}]{e.status}[/]",
            took,
            human_bytes(e.raw_bytes) if e.complete else "-",
            human_bytes(e.stored_bytes),
            e.error,
        )
    stdout().print(table)
    if untrusted:
        stderr().print(
            f"[bold red]{len(untrusted)} manifest(s) fail authentication[/] (forged, edited, or "
            "another key): they are not restored and not counted by retention; inspect "
            "them with `warden backup verify --all`."
        )


@app.command("verify")
@handle_errors
def verify(
    name: OptionalName = None,
    full: Annotated[
        bool, typer.Option("--full", help="Also decompress and check the original checksum.")
    ] = False,
    every: Annotated[
        bool, typer.Option("--all", help="Every complete backup, not only the latest.")
    ] = False,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Check checksums and decryption of every object; exits 1 naming any damaged one."""
    from dataclasses import asdict

    from warden.backup.restore import verify_backups

    results = []
    with backup_errors():
        for cfg in backups_of(config, name):
            with progress_bar(f"verify {cfg.name}", not json_out) as bar:
                results += verify_backups(cfg, full=full, every=every, progress=bar)
    ok = all(r.ok for r in results)
    if json_out:
        write_json(
            "backup.verify", {"ok": ok, "full": full, "results": [asdict(r) for r in results]}
        )
    else:
        for r in results:
            where = f"{r.backup}/{r.id}" if r.id else r.backup
            if r.ok:
                stdout().print(f"[green]ok[/] {where}: {len(r.objects)} objects verified")
            else:
                stdout().print(f"[bold red]FAILED[/] {where}: {r.error}")
    if not ok:
        raise typer.Exit(EXIT_PROBLEM)


@app.command("restore")
@handle_errors
def restore(
    name: NameArg,
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="Target: a database URL or name, a file or directory (see docs/backup.md).",
            show_default=False,
        ),
    ],
    at: Annotated[
        str | None,
        typer.Option(help="A backup id, an ISO time (UTC) or an age such as 2d; default: latest."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite a target that is not empty.")
    ] = False,
    raw: Annotated[
        bool, typer.Option("--raw", help="Write the original dump files into the --to directory.")
    ] = False,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Restore a backup into a target, refusing a non-empty one unless --force."""
    import re
    import time
    from dataclasses import asdict

    from warden.backup.restore import extract_raw, parse_at, restore_once
    from warden.errors import BackupError

    (cfg,) = backups_of(config, name)
    if at is not None and not re.match(r"^\d{8}T\d{6}Z-[0-9a-f]+$", at):
        try:
            parse_at(at, time.time())
        except BackupError as exc:
            fail(str(exc), EXIT_INPUT)
    with backup_errors(), progress_bar(f"restore {name}", not json_out) as bar:
        if raw:
            result = extract_raw(cfg, Path(to), at=at, force=force, progress=bar)
        else:
            result = restore_once(cfg, to, at=at, force=force, progress=bar)
    if json_out:
        write_json("backup.restore", asdict(result))
    else:
        stdout().print(
            f"[green]restored[/] {result.backup}/{result.id} into {result.target} "
            f"in {result.seconds:.1f}s ({human_bytes(result.raw_bytes)})"
        )


@app.command("prune")
@handle_errors
def prune(
    name: OptionalName = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only list what would be deleted and why.")
    ] = False,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Apply each backup's retention rules: delete what no rule keeps, and stale attempts."""
    import time

    from warden.backup.manifest import backup_prefix, list_backups
    from warden.backup.restore import opened
    from warden.backup.retention import plan

    report = []
    with backup_errors():
        for cfg in backups_of(config, name):
            with opened(cfg, None) as (repo, key):
                entries = list_backups(repo, cfg.name, key=key)
                decisions = plan(entries, cfg.retention, time.time())
                if not dry_run:
                    for d in decisions:
                        if not d.keep:
                            repo.delete_prefix(backup_prefix(cfg.name, d.id))
            report.append((cfg.name, decisions))
    if json_out:
        payload = [
            {
                "backup": n,
                "decisions": [
                    {"id": d.id, "status": d.status, "action": d.action, "reasons": d.reasons}
                    for d in ds
                ],
            }
            for n, ds in report
        ]
        write_json("backup.prune", {"dry_run": dry_run, "backups": payload})
        return
    from rich.table import Table

    verb = "would delete" if dry_run else "deleted"
    table = Table(box=None, header_style="bold")
    for col in ("backup", "id", "status", "action", "why"):
        table.add_column(col)
    for n, ds in report:
        for d in ds:
            action = "[green]keep[/]" if d.keep else f"[red]{verb}[/]"
            table.add_row(n, d.id, d.status, action, ", ".join(d.reasons))
    stdout().print(table)


@app.command("keygen")
@handle_errors
def keygen(
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write the key to this file (mode 0600) instead of stdout."),
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Make a new random backup key (32 bytes, base64) and print its key id."""
    import os

    from warden.backup.crypto import generate_key, parse_key

    key = generate_key()
    key_id = parse_key(key, "the new key").key_id
    if out is not None:
        try:
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            fail(f"{out} exists; refusing to overwrite a key", EXIT_INPUT)
        except OSError as exc:
            fail(f"cannot create {out}: {exc.strerror}", EXIT_INPUT)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key + "\n")
    if json_out:
        payload: dict[str, Any] = {"key_id": key_id, "file": str(out) if out else None}
        if out is None:
            payload["key"] = key
        write_json("backup.keygen", payload)
    elif out is None:
        sys.stdout.write(key + "\n")
        stderr().print(f"key id {key_id}; keep a copy of the key outside this machine")
    else:
        stdout().print(f"wrote a new key to {out} (key id {key_id})")
