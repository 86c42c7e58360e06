"""A deploy behind nginx, watched by ``warden deploy watch`` beside a real ``warden up`` that
follows nginx's access log: a bad version (5 % errors) is rolled back by itself, through
nginx, within the watch; a good version is left alone."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests._wait import wait_for
from tests.audit._servers import free_port, stop, wait_port
from tests.capacity.test_scaling_e2e import _nginx_conf

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
HERE = Path(__file__).parent
pytestmark = [
    pytest.mark.integration,
    pytest.mark.timeout(120),
    pytest.mark.skipif(not Path(NGINX).exists(), reason="Debian package nginx-light"),
]


@dataclass
class Stack:
    work: Path
    port: int
    config: Path
    v1: int
    v2: int
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def up_log(self) -> str:
        """What `warden up` logged so far."""
        return (self.config.parent / "up.log").read_text(errors="replace")

    def cli(self, *args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "WARDEN_CONFIG": str(self.config)}
        return subprocess.run([sys.executable, "-m", "warden.cli", *args], env=env,
                              capture_output=True, text=True, timeout=timeout,
                              check=False)  # fmt: skip

    def deploy(self, port: int, version: str) -> None:
        subprocess.run([sys.executable, str(HERE / "switch.py"), str(self.work), str(port)],
                       check=True)  # fmt: skip
        time.sleep(0.5)  # nginx's new workers take over
        marked = self.cli("deploy", "mark", "shop", "--version", version)
        assert marked.returncode == 0, marked.stderr

    def versions(self, n: int) -> dict[str, int]:
        seen: dict[str, int] = {}
        for _ in range(n):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=5) as r:
                    v = r.headers["X-Version"]
            except urllib.error.HTTPError as exc:
                v = exc.headers["X-Version"]
            seen[v] = seen.get(v, 0) + 1
        return seen


def _app(port: int, version: str, every: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, str(HERE / "versioned_app.py"), str(port), version,
                             str(every)])  # fmt: skip


@pytest.fixture
def stack(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Stack]:
    bad = request.param
    work = tmp_path / "nginx"
    work.mkdir()
    v1, v2, port = free_port(), free_port(), free_port()
    log = tmp_path / "access.log"
    log.touch()
    (work / "upstream.conf").write_text(f"upstream app {{ server 127.0.0.1:{v1}; }}\n")
    conf = _nginx_conf(work, port, log)
    cfg = tmp_path / "warden.yaml"
    cfg.write_text(f"""\
store: {{url: "sqlite:///{tmp_path}/w.db"}}
alerting: {{builtin_rules: false}}
collectors:
  - name: shop
    interval: 1s
    access_log: {{path: "{log}", state_dir: "{tmp_path}/state", start_at: beginning,
                  min_requests: 1}}
receivers:
  - {{name: ops, file: [{{path: "{tmp_path}/notified.jsonl"}}]}}
deploys: {{receiver: ops, error_rate: 0.01}}
""")  # fmt: skip
    s = Stack(work, port, cfg, v1, v2)
    errors = work / "error.log"
    s.procs += [_app(v1, "v1", 0), _app(v2, "v2", 20 if bad else 0)]
    nginx = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(work), "-e", str(errors)])
    s.procs.append(nginx)
    env = {**os.environ, "WARDEN_CONFIG": str(cfg)}
    up_log = (tmp_path / "up.log").open("wb")  # a file, not a pipe nobody reads while it runs
    up = subprocess.Popen([sys.executable, "-m", "warden.cli", "up", "--no-web"], env=env,
                          stdout=subprocess.DEVNULL, stderr=up_log)  # fmt: skip
    try:
        wait_port(v1, s.procs[0], "app v1", errors)
        wait_port(v2, s.procs[1], "app v2", errors)
        wait_port(port, nginx, "nginx", errors)
        # the watch starts once `warden up` follows the log (a slow start must not eat it)
        wait_for("warden up", lambda: up.poll() is None and "warden up:" in s.up_log(), 60)
        yield s
    finally:
        up.send_signal(signal.SIGTERM)
        up.wait(timeout=20)
        up_log.close()
        for proc in s.procs:
            stop(proc)


def _deploy_v2_and_watch(stack: Stack, watch_for: str) -> subprocess.CompletedProcess[str]:
    """Deploy v2 and run `warden deploy watch` (rollback: back to v1) for ``watch_for`` while
    about 50 requests a second go through nginx (at most 60 s of them)."""
    stop_at = threading.Event()

    def traffic() -> None:
        end = time.monotonic() + 60
        while not stop_at.is_set() and time.monotonic() < end:
            stack.versions(5)
            time.sleep(0.1)

    load = threading.Thread(target=traffic, daemon=True)
    load.start()
    try:
        stack.deploy(stack.v2, "v2")
        rollback = [sys.executable, str(HERE / "switch.py"), str(stack.work), str(stack.v1)]
        return stack.cli("deploy", "watch", "shop", "--for", watch_for, "--json", "--", *rollback)
    finally:
        stop_at.set()
        load.join(10)


@pytest.mark.parametrize("stack", [True], indirect=True)
def test_a_bad_version_is_rolled_back_by_itself(stack: Stack, tmp_path: Path) -> None:
    watched = _deploy_v2_and_watch(stack, "40s")
    assert watched.returncode == 1, watched.stderr + watched.stdout[-400:] + stack.up_log()[-2000:]
    data = json.loads(watched.stdout)
    assert data["breached"] is True
    assert data["breach"]["basis"] == "requests"
    assert data["breach"]["rate"] > 0.01
    assert data["rollback"]["ok"] is True
    assert data["breach"]["at"] - data["marker"]["at"] < 40
    time.sleep(0.5)
    assert stack.versions(20) == {"v1": 20}  # nginx sends everything to v1 again
    listed = json.loads(stack.cli("deploy", "list", "--json").stdout)["markers"]
    assert [(m["kind"], m["version"]) for m in listed] == [("deploy", "v2"), ("rollback", "v2")]
    note = json.loads((tmp_path / "notified.jsonl").read_text().splitlines()[0])
    assert note["kind"] == "deploy.rollback"
    assert "rolled back" in note["text"]


@pytest.mark.parametrize("stack", [False], indirect=True)
def test_a_good_version_is_left_alone(stack: Stack) -> None:
    watched = _deploy_v2_and_watch(stack, "8s")
    assert watched.returncode == 0, watched.stderr
    data = json.loads(watched.stdout)
    assert data["breached"] is False
    assert data["rollback"] == {"ran": False}
    assert data["final"]["requests"] > 50
    assert data["final"]["rate"] == 0.0
    assert stack.versions(10) == {"v2": 10}
