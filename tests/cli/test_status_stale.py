"""``warden status`` marks states that are not current once nothing runs the checks."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from warden.cli.main import app
from warden.cli.status import stale_after
from warden.results import Status
from warden.store import MonitorInfo, MonitorState
from warden.tables import open_store

runner = CliRunner()
CONFIG = """\
store: {{url: 'sqlite:///{db}'}}
monitors:
  - name: fast
    interval: 15s
    timeout: 5s
    tcp: {{host: 127.0.0.1, port: 1}}
  - name: slow
    interval: 1h
    tcp: {{host: 127.0.0.1, port: 1}}
"""


def _setup(tmp_path: Path, fast_age: float, slow_age: float) -> Path:
    db = tmp_path / "w.db"
    cfg = tmp_path / "warden.yaml"
    cfg.write_text(CONFIG.format(db=db))
    store = open_store(f"sqlite:///{db}")
    now = time.time()
    try:
        store.sync_monitors(
            [MonitorInfo("fast", "tcp", "default", ""), MonitorInfo("slow", "tcp", "default", "")]
        )
        store.write(
            states=[
                MonitorState("fast", Status.UP, now - 3600, now - fast_age),
                MonitorState("slow", Status.UP, now - 3600, now - slow_age),
            ]
        )
    finally:
        store.close()
    return cfg


def test_stale_after() -> None:
    assert stale_after(15, 5) == 80  # 15 + 5 + 60 > 45
    assert stale_after(3600, 10) == 3 * 3600


def test_stopped_checks_show_as_stale(tmp_path: Path) -> None:
    cfg = _setup(tmp_path, fast_age=7 * 60, slow_age=7 * 60)  # `warden up` stopped 7 min ago
    doc = json.loads(runner.invoke(app, ["status", "-c", str(cfg), "--json"]).stdout)
    by = {r["monitor"]: r for r in doc["monitors"]}
    assert by["fast"]["stale"] is True
    assert by["fast"]["status"] == "up"  # the stored state, marked stale
    assert by["slow"]["stale"] is False  # within 3 intervals of an hourly check
    assert doc["checks_running"] is False
    text = runner.invoke(app, ["status", "-c", str(cfg)], env={"COLUMNS": "120"}).stdout
    assert "stale (up)" in text
    assert "checks are not running" in text


def test_fresh_states_are_current(tmp_path: Path) -> None:
    cfg = _setup(tmp_path, fast_age=10, slow_age=1800)
    doc = json.loads(runner.invoke(app, ["status", "-c", str(cfg), "--json"]).stdout)
    assert [r["stale"] for r in doc["monitors"]] == [False, False]
    assert doc["checks_running"] is True
    text = runner.invoke(app, ["status", "-c", str(cfg)], env={"COLUMNS": "120"}).stdout
    assert "stale" not in text
    assert "not running" not in text


@pytest.mark.parametrize("width", [80, 120])
def test_empty_columns_go_before_names_are_cut(tmp_path: Path, width: int) -> None:
    name = "postgres-primary-eu-west"
    cfg = tmp_path / "warden.yaml"
    cfg.write_text(
        f"store: {{url: 'sqlite:///{tmp_path}/w.db'}}\n"
        f"monitors:\n  - name: {name}\n    timeout: 1s\n    tcp: {{host: 127.0.0.1, port: 1}}\n"
    )
    out = runner.invoke(app, ["check", name, "-c", str(cfg)], env={"COLUMNS": str(width)}).stdout
    assert name in out
    header = out.splitlines()[0].split()
    assert "ttfb" not in header  # the phases a tcp check has no value for are gone
    assert "transfer" not in header
