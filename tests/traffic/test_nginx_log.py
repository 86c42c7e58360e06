"""A real nginx (Debian) logs ``$request_time`` while ``warden load`` drives it: Warden's
per-route counts equal the requests sent, and its p95 matches the p95 of the logged request
times within one histogram bucket."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from tests.audit._servers import free_port, nginx
from tests.loadtest._server import TestServer
from warden.loadtest.compile import compile_plan
from warden.loadtest.runner import LoadRunner
from warden.loadtest.scenario import Scenario
from warden.store.histogram import GROWTH
from warden.traffic.formats import log_format
from warden.traffic.logfile import ReadReport, read_requests
from warden.traffic.top import top_from_log

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
                       reason="Debian package nginx-light"),
]  # fmt: skip


def test_counts_and_p95_match_what_nginx_logged(tmp_path: Path) -> None:
    upstream = TestServer().start()
    port = free_port()
    log = tmp_path / "access.log"
    blocks = f"""
  log_format timed '$remote_addr - $remote_user [$time_local] "$request" $status '
                   '$body_bytes_sent "$http_referer" "$http_user_agent" '
                   '$request_time $upstream_response_time';
  server {{
    listen 127.0.0.1:{port};
    access_log {log} timed;
    location / {{ proxy_pass http://127.0.0.1:{upstream.port}; }}
  }}
"""
    try:
        with nginx(tmp_path / "nginx", blocks):
            scenario = Scenario.model_validate(
                {
                    "target": f"http://127.0.0.1:{port}",
                    "rate": 150,
                    "duration": 2,
                    "timeout": 5,
                    "requests": [
                        {"name": "u1", "path": "/u/1"},
                        {"name": "u22", "path": "/u/22"},
                        {"name": "ok", "path": "/ok", "weight": 2},
                    ],
                }
            )
            result = LoadRunner(compile_plan(scenario, workers=1)).run()
    finally:
        upstream.stop()
    sent = {n.name: n.requests for n in result.by_name}
    assert sum(sent.values()) == result.requests > 0
    data = top_from_log(log, "nginx", sort="requests")
    assert data["bad_lines"] == 0
    counts = {r["route"]: r["requests"] for r in data["routes"]}
    assert counts == {"/u/:id": sent["u1"] + sent["u22"], "/ok": sent["ok"]}

    logged = sorted(
        r.duration
        for r in read_requests(log, log_format("nginx"), ReadReport())
        if r.path == "/ok" and r.duration is not None
    )
    exact_ms = logged[math.ceil(0.95 * len(logged)) - 1] * 1000
    ok = next(r for r in data["routes"] if r["route"] == "/ok")
    assert ok["timed"] == sent["ok"]
    if exact_ms == 0:  # nginx's millisecond clock: all in the first bucket (0.1 ms)
        assert ok["p95_ms"] == pytest.approx(0.1)
    else:
        assert exact_ms <= ok["p95_ms"] <= exact_ms * GROWTH
