"""A kill -9 of ``warden up`` loses no result it reported as stored; a restart resumes state."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import free_port

STORED = re.compile(r"stored \d+ results, \d+ samples \(total (\d+) results\)")


def start_up(cfg: Path, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "warden.cli",
            "up",
            "-c",
            str(cfg),
            "--log-level",
            "debug",
            "--no-web",
        ],
        cwd=cwd,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def read_rest(proc: subprocess.Popen[str]) -> str:
    """The rest of stderr after a partial read (``communicate`` would skip buffered lines)."""
    assert proc.stderr is not None
    rest = proc.stderr.read()
    proc.stderr.close()
    proc.wait(20)
    return rest


@pytest.mark.integration
def test_kill_9_loses_nothing_reported_stored(tmp_path: Path) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    port = sock.getsockname()[1]
    monitors = "".join(
        f"  - name: m{i}\n    interval: 1s\n    tcp: {{host: 127.0.0.1, port: {port}}}\n"
        for i in range(40)
    )
    cfg = tmp_path / "warden.yaml"
    cfg.write_text(f"store: {{url: 'sqlite:///{tmp_path}/w.db'}}\nmonitors:\n{monitors}")
    proc = start_up(cfg, tmp_path)
    reported = 0
    deadline = time.monotonic() + 60
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            m = STORED.search(line)
            if m:
                reported = int(m.group(1))
            if reported >= 150 or time.monotonic() > deadline:
                break
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
        sock.close()
    assert reported >= 150
    with sqlite3.connect(tmp_path / "w.db") as db:
        (count,) = db.execute("SELECT count(*) FROM check_results").fetchone()
        (states,) = db.execute("SELECT count(*) FROM monitor_state").fetchone()
    assert count >= reported
    assert states == 40


@pytest.mark.integration
def test_sigterm_shuts_down_cleanly(tmp_path: Path) -> None:
    port = free_port()
    cfg = tmp_path / "warden.yaml"
    cfg.write_text(
        f"store: {{url: 'sqlite:///{tmp_path}/w.db'}}\n"
        f"monitors:\n  - name: gone\n    interval: 1s\n    tcp: {{host: 127.0.0.1, port: {port}}}\n"
    )
    proc = start_up(cfg, tmp_path)
    assert proc.stderr is not None
    for line in proc.stderr:
        if STORED.search(line):
            break
    proc.send_signal(signal.SIGTERM)
    err = read_rest(proc)
    assert proc.returncode == 0, err
    assert "stopped;" in err
    with sqlite3.connect(tmp_path / "w.db") as db:
        (status, error) = db.execute("SELECT status, error FROM monitor_state").fetchone()
    assert (status, error) == (2, "refused")


@pytest.mark.integration
def test_sighup_reloads_and_refuses_a_bad_config(tmp_path: Path) -> None:
    port = free_port()
    cfg = tmp_path / "warden.yaml"
    head = f"store: {{url: 'sqlite:///{tmp_path}/w.db'}}\nmonitors:\n"
    one = f"  - name: a\n    interval: 1s\n    tcp: {{host: 127.0.0.1, port: {port}}}\n"
    cfg.write_text(head + one)
    proc = start_up(cfg, tmp_path)
    assert proc.stderr is not None
    seen: list[str] = []
    try:
        for line in proc.stderr:
            seen.append(line)
            if STORED.search(line):
                break
        cfg.write_text(head + one + one.replace("name: a", "name: b"))
        proc.send_signal(signal.SIGHUP)
        for line in proc.stderr:
            seen.append(line)
            if "config reloaded: 2 monitors" in line:
                break
        cfg.write_text(head + "  - name: broken\n")
        proc.send_signal(signal.SIGHUP)
        for line in proc.stderr:
            seen.append(line)
            if "reload refused" in line:
                break
        proc.send_signal(signal.SIGTERM)
        rest = read_rest(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    log = "".join(seen) + rest
    assert "config reloaded: 2 monitors" in log
    assert "reload refused" in log
    assert "monitors[0]: needs one probe type key" in log
    assert proc.returncode == 0
    with sqlite3.connect(tmp_path / "w.db") as db:
        names = {r[0] for r in db.execute("SELECT name FROM monitors")}
    assert names == {"a", "b"}
