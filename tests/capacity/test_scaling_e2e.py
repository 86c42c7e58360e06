"""End to end: a scaling policy whose command action is a small supervisor of local HTTP
workers behind a real nginx. Under ``warden load`` the request rate read from nginx's access
log crosses the trigger and the policy scales out; after the load it scales back in; it never
goes beyond min or max, and the workers running are the size it decided."""

from __future__ import annotations

import asyncio
import itertools
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.audit._servers import free_port, stop, wait_port
from tests.capacity import supervisor
from warden.capacity.config import ScalingPolicy
from warden.capacity.scaling import Scaler
from warden.capacity.scaling_service import ScalingService
from warden.collectors.access_log import AccessLogCollector, AccessLogConfig
from warden.engine.clock import SystemClock
from warden.loadtest.compile import compile_plan
from warden.loadtest.runner import LoadRunner
from warden.loadtest.scenario import Scenario
from warden.tables import open_store

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not Path(NGINX).exists(), reason="Debian package nginx-light"),
]
MIN, MAX = 1, 3


def _nginx_conf(directory: Path, port: int, log: Path) -> Path:
    conf = directory / "nginx.conf"
    conf.write_text(
        f"""
daemon off; master_process on; worker_processes 1; pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 256; }}
http {{
  log_format timed '$remote_addr - $remote_user [$time_local] "$request" $status '
                   '$body_bytes_sent "$http_referer" "$http_user_agent" '
                   '$request_time $upstream_response_time';
  client_body_temp_path {directory}/body; proxy_temp_path {directory}/proxy;
  fastcgi_temp_path {directory}/fastcgi; uwsgi_temp_path {directory}/uwsgi;
  scgi_temp_path {directory}/scgi;
  include {directory}/upstream.conf;
  server {{
    listen 127.0.0.1:{port};
    access_log {log} timed;
    location / {{ proxy_pass http://app; }}
  }}
}}
"""
    )
    return conf


@dataclass
class Stack:
    work: Path
    port: int
    log: Path


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """The supervisor's first worker and nginx (with a master, so that it reloads)."""
    work = tmp_path / "sup"
    work.mkdir()
    subprocess.run([sys.executable, supervisor.__file__, str(work), str(MIN)], check=True)
    port = free_port()
    log = tmp_path / "access.log"
    log.touch()
    conf = _nginx_conf(work, port, log)
    errors = work / "error.log"
    proc = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(work), "-e", str(errors)])
    try:
        wait_port(port, proc, "nginx", errors)
        yield Stack(work, port, log)
    finally:
        supervisor.stop_all(work)
        stop(proc)


async def test_scales_out_under_load_and_back_in(stack: Stack, tmp_path: Path) -> None:
    work, port, log = stack.work, stack.port, stack.log
    store = open_store(f"sqlite:///{tmp_path}/w.db")
    policy = ScalingPolicy.model_validate(
        {
            "name": "web", "min": MIN, "max": MAX, "interval": 1, "cooldown": "2s",
            "scale_down_stabilization": "2s",
            "triggers": [{"name": "rate", "series": "http_requests_per_second",
                          "labels": {"service": "web"}, "for": "2s", "agg": "avg",
                          "out_above": 30, "in_below": 5}],
            "command": {"argv": [sys.executable, supervisor.__file__, str(work), "{size}"]},
        }
    )  # fmt: skip
    collector = AccessLogCollector(
        "web", AccessLogConfig(path=log, state_dir=tmp_path / "state", start_at="beginning"),
        SystemClock(),
    )  # fmt: skip
    service = ScalingService([policy], store)
    scaler = Scaler(policy, size=MIN)
    sizes: list[int] = []
    try:
        scenario = Scenario.model_validate(
            {"target": f"http://127.0.0.1:{port}", "rate": 80, "duration": 8, "timeout": 5,
             "requests": [{"name": "home", "path": "/"}]}
        )  # fmt: skip
        load = asyncio.create_task(
            asyncio.to_thread(LoadRunner(compile_plan(scenario, workers=1)).run)
        )
        deadline = time.monotonic() + 30  # bounded: 8 s of load, then time to scale in
        while time.monotonic() < deadline:
            await asyncio.sleep(policy.interval)
            store.write(samples=await collector.collect())
            await service.evaluate(scaler, time.time())
            sizes.append(scaler.size)
            if load.done() and scaler.size == MIN and max(sizes) == MAX:
                break
        result = await load
        running = json.loads((work / "workers.json").read_text())
    finally:
        await collector.close()
        store.close()
    assert result.requests > 0
    assert all(MIN <= s <= MAX for s in sizes), sizes
    assert max(sizes) == MAX, sizes  # scaled out under load
    assert sizes[-1] == MIN, sizes  # and back in afterwards
    assert len(running) == MIN
    applied = [int(x) for x in (work / "sizes.log").read_text().split()]
    assert applied[0] == MIN
    assert max(applied) == MAX
    assert applied[-1] == MIN
    assert all(abs(a - b) == 1 for a, b in itertools.pairwise(applied))
