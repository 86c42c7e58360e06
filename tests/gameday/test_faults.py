"""Each fault injected for real and reverted: a process stopped and continued, a command pair,
netem on a veth inside a network namespace the test creates, a Toxiproxy toxic over its API;
and the faults that could not be reverted, refused before anything is injected."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psutil
import pytest

from warden.gameday.faults import FaultError, build, kernel_has_netem
from warden.gameday.plan import FaultSpec, parse_plan
from warden.gameday.runner import check_all


def fault(**spec: Any) -> Any:
    return build(FaultSpec.model_validate(spec), 0)


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield proc
    proc.kill()
    proc.wait(10)


def _state(pid: int, want: str) -> str:
    """The process state once it is ``want`` (a signal lands asynchronously), or after 5 s."""
    deadline = time.monotonic() + 5
    while (got := str(psutil.Process(pid).status())) != want and time.monotonic() < deadline:
        time.sleep(0.01)
    return got


def test_stop_and_continue_a_process(sleeper: subprocess.Popen[bytes], tmp_path: Path) -> None:
    pid_file = tmp_path / "app.pid"
    pid_file.write_text(f"{sleeper.pid}\n")
    f = fault(signal={"pid_file": str(pid_file)})
    f.check()
    f.inject()
    assert _state(sleeper.pid, psutil.STATUS_STOPPED) == psutil.STATUS_STOPPED
    f.revert()
    assert _state(sleeper.pid, psutil.STATUS_SLEEPING) == psutil.STATUS_SLEEPING


def test_a_command_pair(tmp_path: Path) -> None:
    mark = tmp_path / "broken"
    f = fault(command={"inject": ["touch", str(mark)], "revert": ["rm", str(mark)]})
    f.check()
    f.inject()
    assert mark.exists()
    f.revert()
    assert not mark.exists()


def test_a_failing_command_says_why(tmp_path: Path) -> None:
    f = fault(command={"inject": ["ls", str(tmp_path / "nope")], "revert": ["true"]})
    with pytest.raises(FaultError, match="exited 2"):
        f.inject()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"signal": {"pid": 999_999_999}}, "no such process"),
        ({"signal": {"pid_file": "/nonexistent/pid"}}, "cannot read a pid"),
        ({"command": {"inject": ["true"], "revert": ["no-such-revert-tool"]}},
         "no-such-revert-tool is not an executable"),
        ({"netem": {"interface": "warden-nope0", "delay": "100ms"}}, "exited|no netem"),
        ({"toxiproxy": {"url": "http://127.0.0.1:9", "proxy": "redis", "type": "latency"}},
         "GET http://127.0.0.1:9/proxies/redis"),
    ],
)  # fmt: skip
def test_faults_that_cannot_be_reverted_are_refused(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(FaultError, match=message):
        fault(**spec).check()


def test_a_plan_is_refused_whole_and_nothing_is_injected(tmp_path: Path) -> None:
    mark = tmp_path / "injected"
    plan = parse_plan(
        f"""name: x
faults:
  - command: {{inject: [touch, "{mark}"], revert: [rm, "{mark}"]}}
  - signal: {{pid: 999999999}}
expect: {{recover: [{{monitor: a}}]}}
"""
    )
    with pytest.raises(FaultError, match="the plan is refused: stop process 999999999"):
        check_all(plan)
    assert not mark.exists()


@contextlib.contextmanager
def _netns() -> Iterator[tuple[str, str]]:
    """A namespace with one end of a veth pair; yields (namespace, its interface)."""
    if os.geteuid() != 0 or shutil.which("ip") is None or shutil.which("tc") is None:
        pytest.skip("network namespaces need root and iproute2")
    tag = uuid.uuid4().hex[:6]
    ns, host, inner = f"wgd-{tag}", f"wgh{tag}", f"wgi{tag}"
    run = lambda *a: subprocess.run(a, check=True, capture_output=True)  # noqa: E731
    run("ip", "netns", "add", ns)
    try:
        run("ip", "link", "add", host, "type", "veth", "peer", "name", inner)
        run("ip", "link", "set", inner, "netns", ns)
        run("ip", "-n", ns, "link", "set", inner, "up")
        run("ip", "link", "set", host, "up")
        yield ns, inner
    finally:
        subprocess.run(["ip", "link", "del", host], capture_output=True, check=False)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True, check=False)


def test_the_kernel_config_says_whether_netem_exists(tmp_path: Path) -> None:
    import gzip

    for text, has in (
        ("CONFIG_NET_SCH_NETEM=m\n", True),
        ("# CONFIG_NET_SCH_NETEM is not set\n", False),
    ):
        config = tmp_path / "config.gz"
        with gzip.open(config, "wt") as f:
            f.write("CONFIG_NET_SCHED=y\n" + text)
        assert kernel_has_netem(config) is has
    assert kernel_has_netem(tmp_path / "missing.gz") is True  # unknown: try, and say why it fails


def _qdisc(ns: str, dev: str) -> str:
    out = subprocess.run(["ip", "netns", "exec", ns, "tc", "qdisc", "show", "dev", dev],
                         capture_output=True, text=True, check=True)  # fmt: skip
    return out.stdout


def test_netem_inside_a_namespace_and_its_revert() -> None:
    with _netns() as (ns, dev):
        f = fault(netem={"interface": dev, "netns": ns, "delay": "150ms", "loss": 2})
        if not kernel_has_netem():  # this kernel cannot shape traffic: the plan is refused
            with pytest.raises(FaultError, match="this kernel has no netem qdisc"):
                f.check()
            return
        f.check()
        f.inject()
        shaped = _qdisc(ns, dev)
        assert "netem" in shaped
        assert "delay 150ms" in shaped
        assert "loss 2%" in shaped
        with pytest.raises(FaultError, match="already has a root qdisc"):
            fault(netem={"interface": dev, "netns": ns, "delay": "1ms"}).check()
        f.revert()
        assert "netem" not in _qdisc(ns, dev)


class _Toxiproxy(BaseHTTPRequestHandler):
    """Toxiproxy's API as documented: GET /proxies/NAME, POST and DELETE of its toxics."""

    calls: list[tuple[str, str, Any]] = []

    def _answer(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self.calls.append(("GET", self.path, None))
        if self.path == "/proxies/redis":
            self._answer(200, {"name": "redis", "listen": "127.0.0.1:26379", "enabled": True})
        else:
            self._answer(404, {"error": "proxy not found"})

    def do_POST(self) -> None:
        size = int(self.headers["Content-Length"])
        self.calls.append(("POST", self.path, json.loads(self.rfile.read(size))))
        self._answer(200, {})

    def do_DELETE(self) -> None:
        self.calls.append(("DELETE", self.path, None))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_toxiproxy_toxic_added_and_deleted() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Toxiproxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        spec = {"url": url, "proxy": "redis", "type": "latency", "attributes": {"latency": 800}}
        f = fault(toxiproxy=spec)
        f.check()
        f.inject()
        f.revert()
        (_, _, _), (_, post_path, body), (_, delete_path, _) = _Toxiproxy.calls
        assert post_path == "/proxies/redis/toxics"
        assert body["type"] == "latency"
        assert body["attributes"] == {"latency": 800.0}
        assert delete_path == f"/proxies/redis/toxics/{body['name']}"
        with pytest.raises(FaultError, match="HTTP 404"):
            fault(toxiproxy={**spec, "proxy": "nope"}).check()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
