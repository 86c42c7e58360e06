"""A game day beside a real ``warden up``: the app process is frozen with SIGSTOP, the alert
fires with its severity and runbook, the app recovers after SIGCONT, the scorecard is saved;
a plan expecting the wrong severity and an alert that must not fire fails on those lines."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import free_port

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


@dataclass
class Site:
    config: Path
    app: subprocess.Popen[bytes]
    tmp: Path


def _wait_up(port: int) -> None:
    import socket

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    port = free_port()
    app = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    _wait_up(port)
    cfg = tmp_path / "warden.yaml"
    cfg.write_text(f"""\
store: {{url: "sqlite:///{tmp_path}/w.db"}}
alerting: {{builtin_rules: false, evaluation_interval: 1s}}
monitors:
  - name: app
    interval: 1s
    timeout: 1s
    http: {{url: "http://127.0.0.1:{port}/"}}
alerts:
  - {{name: AppDown, state: {{}}, severity: critical, runbook: /runbooks/monitor-down}}
  - {{name: AppSlow, check: {{value: latency, agg: max, window: 1m, op: ">", threshold: 30}},
     severity: low}}
""")  # fmt: skip
    env = {**os.environ, "WARDEN_CONFIG": str(cfg)}
    up = subprocess.Popen([sys.executable, "-m", "warden.cli", "up", "--no-web"], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    try:
        yield Site(cfg, app, tmp_path)
    finally:
        up.send_signal(signal.SIGTERM)
        up.communicate(timeout=20)
        app.send_signal(signal.SIGCONT)
        app.kill()
        app.wait(10)


def _gameday(site: Site, plan: str) -> tuple[int, dict[str, object]]:
    path = site.tmp / "plan.yaml"
    path.write_text(plan)
    done = subprocess.run(
        [sys.executable, "-m", "warden.cli", "gameday", "run", str(path), "--json",
         "--config", str(site.config)],
        capture_output=True, text=True, timeout=100, check=False,
    )  # fmt: skip
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout)


def test_a_frozen_app_is_detected_scored_and_recovers(site: Site) -> None:
    time.sleep(3)  # a few checks up first
    code, card = _gameday(site, f"""\
name: app freezes
hold: 30s
faults:
  - signal: {{pid: {site.app.pid}}}
expect:
  fire: [{{alert: AppDown, within: 20s, severity: critical, labels: {{monitor: app}}}}]
  not_fire: [AppSlow]
  recover: [{{monitor: app, within: 20s}}]
""")  # fmt: skip
    assert code == 0, card
    assert card["passed"] is True
    assert card["score"] == 100
    fire, not_fire, recover = card["lines"]  # type: ignore[misc]
    assert fire["fired"]
    assert 0 < fire["time_to_detect"] <= 20
    assert fire["runbook"].endswith("/runbooks/monitor-down")
    assert not not_fire["fired"]
    assert recover["time_to_recover"] is not None
    assert card["revert_errors"] == []
    listed = subprocess.run(
        [sys.executable, "-m", "warden.cli", "gameday", "list", "--json",
         "--config", str(site.config)], capture_output=True, text=True, check=True,
    )  # fmt: skip
    (run,) = json.loads(listed.stdout)["runs"]
    assert run["plan"] == "app freezes"
    assert run["score"] == 100


def test_the_wrong_severity_fails_its_line_and_the_fault_is_still_reverted(site: Site) -> None:
    time.sleep(2)
    code, card = _gameday(site, f"""\
name: wrong expectations
hold: 15s
faults:
  - signal: {{pid: {site.app.pid}}}
expect:
  fire: [{{alert: AppDown, within: 15s, severity: low}}]
  recover: [{{monitor: app, within: 20s}}]
""")  # fmt: skip
    assert code == 1
    fire, recover = card["lines"]  # type: ignore[misc]
    assert fire["fired"]
    assert fire["severity"] == "critical"
    assert not fire["passed"]
    assert recover["passed"]  # reverted: the app answers again
    assert card["score"] == 50
