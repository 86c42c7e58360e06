"""The access_log collector: per-service and per-route samples from a followed log, its bad
lines, its config errors; and a real nginx whose log is rotated while ``warden load`` runs."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import threading
from pathlib import Path

import pytest

from warden.collectors.access_log import AccessLogCollector, AccessLogConfig
from warden.engine.clock import FakeClock
from warden.errors import ConfigError
from warden.results import Sample


def _line(path: str, status: int, rt: float) -> str:
    return (
        f'1.2.3.4 - - [04/Dec/2026:10:00:00 +0000] "GET {path} HTTP/1.1" {status} 100 "-" "t" '
        f"{rt:.3f}\n"
    )


def _by(samples: list[Sample], name: str) -> dict[tuple[tuple[str, str], ...], float]:
    return {
        tuple(sorted((k, v) for k, v in s.labels.items() if k in ("route", "method"))): s.value
        for s in samples
        if s.name == name
    }


async def test_samples_per_service_and_route(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text("")
    clock = FakeClock()
    cfg = AccessLogConfig(path=log, state_dir=tmp_path / "state", min_requests=5)
    c = AccessLogCollector("shop", cfg, clock)
    first = await c.collect()
    assert [s.name for s in first] == ["access_log_bad_lines"]
    with log.open("a") as f:
        for i in range(20):
            f.write(_line(f"/users/{i}", 500 if i < 2 else 200, 0.2))
        for _ in range(10):
            f.write(_line("/health", 200, 0.001))
        f.write("not a log line\n")
    clock.advance(10)
    samples = await c.collect()
    svc = {s.name: s.value for s in samples if "route" not in s.labels}
    assert svc["http_requests_per_second"] == pytest.approx(3.0)
    assert svc["http_server_errors_per_second"] == pytest.approx(0.2)
    assert svc["http_error_ratio"] == pytest.approx(2 / 30)
    assert svc["access_log_bad_lines"] == 1
    assert 0.2 <= svc["http_request_duration_seconds_p95"] <= 0.2 * 1.1
    assert all(s.labels["service"] == "shop" for s in samples)
    totals = _by(samples, "http_route_requests_total")
    assert totals == {
        (("method", "GET"), ("route", "/users/:id")): 20,
        (("method", "GET"), ("route", "/health")): 10,
    }
    assert _by(samples, "http_route_error_ratio")[
        (("method", "GET"), ("route", "/users/:id"))
    ] == pytest.approx(0.1)
    await c.close()


def test_config_errors_name_the_field() -> None:
    from warden.config.loader import parse_config

    with pytest.raises(ConfigError) as err:
        parse_config(
            "collectors:\n  - access_log:\n      path: /x.log\n      format: iis\n",
            "w.yaml",
        )
    text = str(err.value.issues[0])
    assert "w.yaml:4" in text
    assert "unknown log format 'iis'" in text


NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@pytest.mark.integration
@pytest.mark.skipif(not Path(NGINX).exists(), reason="Debian package nginx-light")
async def test_nginx_rotation_during_load_loses_and_repeats_nothing(tmp_path: Path) -> None:
    from tests.audit._servers import free_port, nginx
    from tests.loadtest._server import TestServer
    from warden.loadtest.compile import compile_plan
    from warden.loadtest.runner import LoadRunner
    from warden.loadtest.scenario import Scenario

    upstream = TestServer().start()
    port = free_port()
    log = tmp_path / "access.log"
    blocks = f"""
  log_format timed '$remote_addr - $remote_user [$time_local] "$request" $status '
                   '$body_bytes_sent "$http_referer" "$http_user_agent" $request_time';
  server {{
    listen 127.0.0.1:{port};
    access_log {log} timed;
    location / {{ proxy_pass http://127.0.0.1:{upstream.port}; }}
  }}
"""
    clock = FakeClock()
    cfg = AccessLogConfig(path=log, state_dir=tmp_path / "state", start_at="beginning")
    collector = AccessLogCollector("shop", cfg, clock)
    try:
        with nginx(tmp_path / "nginx", blocks):
            pid = int((tmp_path / "nginx" / "nginx.pid").read_text())
            scenario = Scenario.model_validate(
                {
                    "target": f"http://127.0.0.1:{port}",
                    "rate": 100,
                    "duration": 3,
                    "requests": [{"name": "u", "path": "/u/7"}, {"name": "ok", "path": "/ok"}],
                }
            )
            results = []
            run = threading.Thread(
                target=lambda: results.append(LoadRunner(compile_plan(scenario, 1)).run())
            )
            run.start()
            await asyncio.sleep(1.0)
            await collector.collect()  # mid-run
            os.rename(log, tmp_path / "access.log.1")
            await asyncio.sleep(0.5)
            clock.advance(10)
            await collector.collect()  # reads the renamed file through its open handle
            os.kill(pid, signal.SIGUSR1)  # nginx reopens its log: a new file
            await asyncio.to_thread(run.join, 30)
            await asyncio.sleep(0.5)
            clock.advance(10)
            samples = await collector.collect()
    finally:
        upstream.stop()
        await collector.close()
    (result,) = results
    sent = {n.name: n.requests for n in result.by_name}
    totals = _by(samples, "http_route_requests_total")
    assert totals == {
        (("method", "GET"), ("route", "/u/:id")): sent["u"],
        (("method", "GET"), ("route", "/ok")): sent["ok"],
    }
    assert (tmp_path / "access.log").exists()  # nginx did reopen
