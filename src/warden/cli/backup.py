"""``warden backup``: run, list, verify, restore and prune backups; make a key.

Exit codes: 0 success; 1 the backup, verification or restore failed (a damaged object, a
wrong key, an unreachable source); 2 bad input (unknown backup, bad --at or --time, missing
key, a non-empty restore target without --force); 3 the store cannot be written; 4 Warden
failed. pgbackrest backups restore to a point in time (``--time``) through
``warden.backup.pitr``.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from warden.cli._backup_common import (
    NameArg,
    OptionalName,
    backup_errors,
    backups_of,
    human_bytes,
    progress_bar,
    record,
)
from warden.cli._common import (
    EXIT_INPUT,
    EXIT_PROBLEM,
    ConfigOption,
    JsonOption,
    fail,
    handle_errors,
    stderr,
    stdout,
    write_json,
)

__all__ = ["NameArg", "OptionalName", "app", "backups_of", "human_bytes", "record"]

app = typer.Typer(
    help="Back up, verify, restore and prune (see docs/backup.md).", no_args_is_help=True
)


@app.command("run")
@handle_errors
def run(
    name: NameArg,
    config: ConfigOption = None,
    store: Annotated[
        bool, typer.Option("--record/--no-record", help="Record the run in the store.")
    ] = True,
    kind: Annotated[
        str | None,
        typer.Option("--type", help="pgbackrest: full, diff or incr (default: its backup_type)."),
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Run one backup now, with a progress bar; exits 1 if it failed."""
    from warden.backup import storage
    from warden.backup.crypto import load_key
    from warden.backup.engines import with_run_type
    from warden.backup.runner import backup_once
    from warden.errors import BackupError

    (cfg,) = backups_of(config, name)
    if kind is not None:
        try:
            cfg = with_run_type(cfg, kind)
        except BackupError as exc:
            fail(str(exc), EXIT_INPUT)
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
    from warden.backup.engines import records
    from warden.backup.manifest import list_backups
    from warden.backup.restore import opened

    rows = []
    engine: dict[tuple[str, str], Any] = {}  # (backup, id) -> the engine's record
    with backup_errors():
        for cfg in backups_of(config, name):
            with opened(cfg, None) as (repo, key):
                entries = list_backups(repo, cfg.name, key=key)
                rows += [(cfg, e) for e in entries]
                recs = records(cfg, repo, key, entries).items()
                engine.update({(cfg.name, i): r for i, r in recs})
    if json_out:
        from warden.backup.views import entry_json

        items = [entry_json(e, engine.get((e.backup, e.id))) for _, e in rows]
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
            e.error or _engine_note(engine.get((e.backup, e.id))),
        )
    stdout().print(table)
    if untrusted:
        stderr().print(
            f"[bold red]{len(untrusted)} manifest(s) fail authentication[/] (forged, edited, or "
            "another key): they are not restored and not counted by retention; inspect "
            "them with `warden backup verify --all`."
        )


def _engine_note(record: Any) -> str:
    return "" if record is None else f"{record.engine} {record.kind} {record.id}"


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
        str | None,
        typer.Option(
            "--to",
            help="Target: a database URL or name, a file or directory (see docs/backup.md); "
            "pgbackrest: a data directory (default: a new scratch one).",
            show_default=False,
        ),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option(help="A backup id, an ISO time (UTC) or an age such as 2d; default: latest."),
    ] = None,
    when: Annotated[
        str | None,
        typer.Option("--time", help="pgbackrest: recover to this moment (ISO, UTC by default)."),
    ] = None,
    in_place: Annotated[
        bool, typer.Option("--in-place", help="pgbackrest: over the stopped cluster (+ --force).")
    ] = False,
    keep_running: Annotated[
        bool, typer.Option("--keep-running", help="pgbackrest: leave the restored server up.")
    ] = False,
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
    pitr = cfg.source.type == "pgbackrest"
    for flag, text in (("--at", at), ("--time", when)):
        if text is None or (flag == "--at" and re.match(r"^\d{8}T\d{6}Z-[0-9a-f]+$", text)):
            continue
        try:
            parse_at(text, time.time())
        except BackupError as exc:
            fail(str(exc).replace("--at", flag), EXIT_INPUT)
    if not pitr and (when or in_place or keep_running):
        fail("--time, --in-place and --keep-running need a pgbackrest source", EXIT_INPUT)
    if pitr and raw:
        fail("--raw does not apply to pgbackrest backups", EXIT_INPUT)
    if not pitr and to is None:
        fail("give the restore target with --to", EXIT_INPUT)
    if pitr:
        from warden.backup.pitr import restore_pitr

        if not json_out:
            stderr().print(f"restore {name}: pgBackRest restore and recovery ...")
        with backup_errors():
            done = restore_pitr(cfg, when=when, at=at, to=to, in_place=in_place, force=force,
                                keep_running=keep_running)  # fmt: skip
        return _print_pitr(done, json_out)
    assert to is not None
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


def _print_pitr(done: Any, json_out: bool) -> None:
    from warden.backup.views import pitr_json

    def iso(ts: float) -> str:
        return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="milliseconds")

    if json_out:
        write_json("backup.restore", pitr_json(done))
        return
    reached = iso(done.recovered_to) if done.recovered_to else "the end of the backup"
    aim = f" (target {iso(done.target_time)})" if done.target_time else ""
    out = stdout()
    out.print(f"[green]restored[/] {done.backup} into {done.target} in {done.seconds:.1f}s: "
              f"recovered to {reached}{aim}; {done.checks[0].restored}")  # fmt: skip
    if done.note:
        out.print(done.note)
    if done.running:
        out.print(f"running: psql '{done.server} dbname=postgres'; stop it with pg_ctl -D "
                  f"{done.target} stop")  # fmt: skip


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

    from warden.backup.engines import engine_prune
    from warden.backup.manifest import backup_prefix, list_backups
    from warden.backup.restore import opened
    from warden.backup.retention import plan

    report = []
    with backup_errors():
        for cfg in backups_of(config, name):
            with opened(cfg, None) as (repo, key):
                entries = list_backups(repo, cfg.name, key=key)
                decisions = plan(entries, cfg.retention, time.time())
                decisions = engine_prune(cfg, repo, key, entries, decisions, dry_run)
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
