"""Fixtures of the load-test tests: a loopback HTTP server, nginx (Debian) serving a 1 KB file,
and a helper that runs a scenario."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from warden.loadtest.compile import compile_plan
from warden.loadtest.results import RunResult
from warden.loadtest.runner import LoadRunner
from warden.loadtest.scenario import Scenario

from ._server import TestServer


@pytest.fixture
def server() -> Iterator[TestServer]:
    srv = TestServer().start()
    try:
        yield srv
    finally:
        srv.stop()


RunScenario = Callable[..., RunResult]


@pytest.fixture
def run_scenario() -> RunScenario:
    """Run a scenario given as keyword arguments (one worker unless ``workers`` is given)."""

    def run(workers: int = 1, **fields: Any) -> RunResult:
        fields.setdefault("timeout", 2.0)
        scenario = Scenario.model_validate(fields)
        plan = compile_plan(scenario, workers=workers)
        return LoadRunner(plan).run()

    return run


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[str]:
    binary = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if binary is None:
        pytest.skip("nginx is not installed (make system-deps)")
    www = tmp_path / "www"
    www.mkdir()
    (www / "1k.txt").write_bytes(b"x" * 1024)
    port = _free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"{'user root;' if os.geteuid() == 0 else ''}\n"
        f"worker_processes 1;\ndaemon off;\npid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/error.log;\nevents {{ worker_connections 1024; }}\n"
        f"http {{ access_log off; client_body_temp_path {tmp_path}; proxy_temp_path {tmp_path};\n"
        f"fastcgi_temp_path {tmp_path}; uwsgi_temp_path {tmp_path}; scgi_temp_path {tmp_path};\n"
        f"server {{ listen 127.0.0.1:{port}; root {www}; }} }}\n"
    )
    proc = subprocess.Popen([binary, "-c", str(conf), "-p", str(tmp_path)])
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
