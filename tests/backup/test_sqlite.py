"""SQLite: a consistent online backup while another thread keeps writing."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest

from tests.backup.conftest import MakeConfig
from warden.backup.drill import drill_once
from warden.backup.restore import restore_once
from warden.backup.runner import backup_once


def writer(path: Path, stop: threading.Event, written: list[int]) -> None:
    with closing(sqlite3.connect(path, timeout=30)) as conn:
        i = 0
        while not stop.is_set() and i < 200_000:
            with conn:
                conn.executemany(
                    "INSERT INTO events (n, body) VALUES (?, ?)",
                    [(i + k, "x" * 200) for k in range(50)],
                )
                conn.execute("UPDATE totals SET n = n + 50")
            i += 50
            written.append(i)


@pytest.mark.parametrize("journal", ["wal", "delete"])
def test_backup_while_writing_is_consistent(
    tmp_path: Path, make_config: MakeConfig, key_env: dict[str, str], journal: str
) -> None:
    db = tmp_path / "app.db"
    with closing(sqlite3.connect(db)) as conn:
        conn.execute(f"PRAGMA journal_mode={journal}")
        conn.execute("CREATE TABLE events (n INTEGER, body TEXT)")
        conn.execute("CREATE TABLE totals (n INTEGER)")
        conn.execute("INSERT INTO totals VALUES (0)")
        conn.commit()
    stop, written = threading.Event(), [0]
    thread = threading.Thread(target=writer, args=(db, stop, written))
    thread.start()
    try:
        while written[-1] < 5_000:  # the database is busy and growing
            thread.join(0.01)
        cfg = make_config(
            {"type": "sqlite", "path": str(db)},
            drill={"row_counts": ["totals"], "queries": [
                {"name": "consistent", "compare": False, "expect": "1",
                 "query": "SELECT (SELECT count(*) FROM events) = (SELECT n FROM totals)"},
            ]},
        )  # fmt: skip
        run = backup_once(cfg)
        during = written[-1]
    finally:
        stop.set()
        thread.join()
    assert run.ok, run.error
    out = tmp_path / "restored.db"
    restore_once(cfg, str(out))
    with closing(sqlite3.connect(out)) as conn:
        count = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        total = conn.execute("SELECT n FROM totals").fetchone()[0]
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert count == total  # a transaction-consistent snapshot
    assert 5_000 <= count <= during + 50
    result = drill_once(cfg)
    assert {c.name: c.ok for c in result.checks} == {"rows totals": True, "consistent": True}
