"""A backup killed mid-stream never looks complete, and the repository stays usable."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tests.backup.conftest import KEY_ENV, MakeConfig
from warden.backup.manifest import list_backups
from warden.backup.repos import open_repository
from warden.backup.runner import run_backup
from warden.cli.main import app

# Writes 4 MiB of random bytes, then waits: the backup is mid-stream until killed.
SLOW_WRITER = [
    sys.executable,
    "-c",
    "import os, sys, time; sys.stdout.buffer.write(os.urandom(4 << 20)); "
    "sys.stdout.flush(); time.sleep(120)",
]
FAST_WRITER = [sys.executable, "-c", "import sys; sys.stdout.write('small and complete' * 1000)"]


def write_config(path: Path, repo: Path, name: str, argv: list[str], **extra: object) -> Path:
    cfg = {
        "store": {"url": f"sqlite:///{path.parent / 'store.db'}"},
        "backups": [
            {
                "name": name,
                "key_env": KEY_ENV,
                "source": {"type": "command", "backup": argv},
                "repository": {"type": "local", "path": str(repo)},
                "chunk_size": "64KiB",
                **extra,
            }
        ],
    }
    path.write_text(yaml.safe_dump(cfg))
    return path


def temp_files(repo: Path) -> list[Path]:
    return [p for p in repo.rglob(".*") if ".tmp-" in p.name]


def test_sigkill_mid_stream_leaves_no_complete_backup(
    tmp_path: Path, key_env: dict[str, str]
) -> None:
    repo = tmp_path / "repo"
    runner = CliRunner()
    good = write_config(tmp_path / "good.yaml", repo, "db", FAST_WRITER)
    assert (
        runner.invoke(app, ["backup", "run", "db", "-c", str(good), "--no-record"]).exit_code == 0
    )

    slow = write_config(tmp_path / "slow.yaml", repo, "db", SLOW_WRITER)
    warden = Path(sys.executable).parent / "warden"
    proc = subprocess.Popen(
        [str(warden), "backup", "run", "db", "-c", str(slow), "--no-record"],
        env={**os.environ, **key_env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the writer child dies with it
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if any(p.stat().st_size > (1 << 20) for p in temp_files(repo)):
                break
            assert proc.poll() is None, "the backup ended before it could be killed"
            time.sleep(0.02)
        else:
            raise AssertionError("no bytes reached the repository")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    assert temp_files(repo), "the partial object stays a temporary file"
    listed = runner.invoke(app, ["backup", "list", "-c", str(slow), "--json"])
    assert listed.exit_code == 0, listed.output
    entries = json.loads(listed.stdout)["backups"]
    assert [e["status"] for e in entries] == ["complete", "incomplete"]
    assert entries[1]["error"] == "no manifest: interrupted, or still running"

    verified = runner.invoke(app, ["backup", "verify", "-c", str(slow), "--all", "--json"])
    assert verified.exit_code == 0, verified.output
    assert [r["id"] for r in json.loads(verified.stdout)["results"]] == [entries[0]["id"]]

    # Restores still take the complete backup.
    out = tmp_path / "raw"
    restored = runner.invoke(
        app, ["backup", "restore", "db", "-c", str(slow), "--to", str(out), "--raw", "--json"]
    )
    assert restored.exit_code == 0, restored.output
    assert json.loads(restored.stdout)["id"] == entries[0]["id"]
    assert (out / "data").read_text() == "small and complete" * 1000

    # The interrupted attempt is kept while it may still be running, removed once stale.
    pruned = runner.invoke(app, ["backup", "prune", "-c", str(slow), "--json"])
    actions = [d["action"] for d in json.loads(pruned.stdout)["backups"][0]["decisions"]]
    assert actions == ["keep", "keep"]
    stale = write_config(tmp_path / "stale.yaml", repo, "db", FAST_WRITER,
                         retention={"keep_last": 1, "incomplete_after": "0s"})  # fmt: skip
    dry = runner.invoke(app, ["backup", "prune", "-c", str(stale), "--dry-run", "--json"])
    plan = json.loads(dry.stdout)["backups"][0]["decisions"]
    assert [d["action"] for d in plan] == ["keep", "delete"]
    assert plan[1]["reasons"] == ["incomplete attempt older than 0ms"]
    assert temp_files(repo)
    assert runner.invoke(app, ["backup", "prune", "-c", str(stale)]).exit_code == 0
    assert not temp_files(repo)
    listed = runner.invoke(app, ["backup", "list", "-c", str(stale), "--json"])
    assert [e["status"] for e in json.loads(listed.stdout)["backups"]] == ["complete"]


async def test_cancelling_run_backup_kills_the_tool_and_marks_the_attempt_failed(
    tmp_path: Path, make_config: MakeConfig, key_env: dict[str, str]
) -> None:
    cfg = make_config({"type": "command", "backup": SLOW_WRITER}, chunk_size="64KiB")
    repo = tmp_path / "repo"
    task = asyncio.create_task(run_backup(cfg))
    deadline = time.monotonic() + 60
    while not any(p.stat().st_size > (1 << 20) for p in temp_files(repo)):
        assert time.monotonic() < deadline, "no bytes reached the repository"
        assert not task.done()
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task  # returns once the writer (blocked, producing nothing) has been killed
    entries = list_backups(open_repository(cfg.repository), cfg.name)
    assert [(e.status, e.error) for e in entries] == [("failed", "cancelled")]
    assert not temp_files(repo)
