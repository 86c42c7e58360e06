"""Helpers shared by ``warden backup`` and ``warden dr``: backup lookup, exit-code mapping,
the progress bar, recording in the store."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from warden.cli._common import EXIT_INPUT, EXIT_PROBLEM, fail, load, stderr

if TYPE_CHECKING:
    from warden.backup.config import BackupConfig
    from warden.backup.stream import Progress

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
