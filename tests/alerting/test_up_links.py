"""``warden up --listen`` puts its real address in the links of every notification."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from warden.alerting.service import default_external_url


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_default_external_url() -> None:
    assert default_external_url("127.0.0.1:9123") == "http://127.0.0.1:9123"
    assert default_external_url("[::1]:9123") == "http://[::1]:9123"
    assert default_external_url("0.0.0.0:9123") == f"http://{socket.getfqdn()}:9123"


def test_notifications_link_to_the_address_warden_up_serves(tmp_path: Path) -> None:
    port = _free_port()
    out = tmp_path / "alerts.jsonl"
    cfg = tmp_path / "warden.yaml"
    cfg.write_text(
        f"""\
store: {{url: "sqlite:///{tmp_path}/w.db"}}
server: {{listen: "127.0.0.1:8080"}}
alerting: {{builtin_rules: false, evaluation_interval: 1s}}
monitors:
  - name: broken
    interval: 1s
    command: {{argv: ["false"]}}
alerts:
  - {{name: Down, state: {{}}, severity: critical}}
receivers:
  - {{name: ops, file: [{{path: "{out}"}}]}}
routes:
  - {{receiver: ops}}
""",
        encoding="utf-8",
    )
    env = {**os.environ, "WARDEN_CONFIG": str(cfg)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "warden.cli", "up", "--listen", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (out.exists() and out.read_text().strip()):
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=15)
    assert out.exists(), err.decode()
    first = json.loads(out.read_text().splitlines()[0])
    assert first["externalURL"] == f"http://127.0.0.1:{port}"
    assert first["alerts"][0]["generatorURL"].startswith(f"http://127.0.0.1:{port}/alerts/")
