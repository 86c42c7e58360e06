"""Load tests against a real server on 127.0.0.1: both models, error classes, variables,
aborts, and coordinated omission (the open model's latency shows a stall the closed hides)."""

from __future__ import annotations

import os
import signal
import socket
from pathlib import Path
from typing import Any

import pytest

from warden.loadtest.compile import compile_plan
from warden.loadtest.monitor import build_monitor
from warden.loadtest.runner import LiveStatus, LoadRunner
from warden.loadtest.scenario import Scenario

from ._server import TestServer
from .conftest import RunScenario

pytestmark = pytest.mark.integration


def test_open_model_sends_exactly_the_intended_requests_from_two_workers(
    server: TestServer, run_scenario: RunScenario
) -> None:
    result = run_scenario(
        workers=2, target=server.url, rate=200, duration=1.0, requests=[{"path": "/ok"}]
    )
    assert result.intended == 200
    assert result.requests == 200 == result.ok
    assert result.errors == {}
    assert result.latency.count == 200
    assert result.generator.workers == 2
    assert sum(p.requests for p in result.series) == 200
    assert result.bytes_in > 200 * len(b"hello")
    assert server.paths.count("/ok") == 200
    assert result.late + result.dropped <= result.intended
    assert result.exit_code == 0


def test_closed_model_users_wait_for_each_response_and_think(
    server: TestServer, run_scenario: RunScenario
) -> None:
    result = run_scenario(
        model="closed",
        vus=3,
        think_time="100ms",
        duration=1.0,
        target=server.url,
        requests=[{"path": "/ok"}],
    )
    assert result.errors == {}
    # each user sends at most once per think time, plus its first request
    assert 3 <= result.requests <= 3 * (1.0 / 0.1 + 1)
    assert max(p.vus for p in result.series) == 3
    assert result.intended == 0
    assert result.late == 0


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    ("path", "extra", "kind"),
    [
        ("/status/503", {}, "http_5xx"),
        ("/status/404", {}, "http_4xx"),
        ("/reset", {}, "reset"),
        ("/hang", {"timeout": 0.3}, "timeout"),
        ("/ok", {"checks": [{"body_contains": "nope"}]}, "check_failed"),
        ("/json", {"checks": [{"json": {"path": "$.id", "equals": 8}}]}, "check_failed"),
        ("/ok", {"checks": [{"status": 201}]}, "check_failed"),
        ("/ok", {"refused": True}, "refused"),
        ("/ok", {"tls": True}, "tls"),
    ],
)
def test_errors_are_classified(
    server: TestServer, run_scenario: RunScenario, path: str, extra: dict[str, Any], kind: str
) -> None:
    target = server.url
    if extra.pop("refused", False):
        target = f"http://127.0.0.1:{_closed_port()}"
    if extra.pop("tls", False):
        target = target.replace("http://", "https://")
    timeout = extra.pop("timeout", 2.0)
    result = run_scenario(
        target=target,
        rate=20,
        duration=0.5,
        timeout=timeout,
        requests=[{"name": "r", "path": path, **extra}],
    )
    assert result.requests == 10
    assert result.errors == {kind: 10}
    assert result.by_name[0].errors == {kind: 10}
    assert result.error_rate == 1.0


def test_passing_checks_and_connection_close(server: TestServer, run_scenario: RunScenario) -> None:
    result = run_scenario(
        target=server.url,
        rate=40,
        duration=0.5,
        requests=[
            {
                "name": "json",
                "path": "/json",
                "checks": [{"json": {"path": "$.items[1]", "equals": 2}}],
            },
            {"name": "close", "path": "/close", "checks": [{"status": "2xx"}]},
            {"name": "notfound", "path": "/status/404", "checks": [{"status": 404}]},
        ],
    )
    assert result.requests == 20
    assert result.errors == {}
    assert {n.name: n.requests for n in result.by_name} == {"json": 7, "close": 7, "notfound": 6}


def test_csv_and_sequence_variables_reach_the_server(
    server: TestServer, run_scenario: RunScenario, tmp_path: Path
) -> None:
    csv = tmp_path / "users.csv"
    csv.write_text("user\nann\nbob\n")
    result = run_scenario(
        workers=2,
        target=server.url,
        rate=40,
        duration=0.5,
        variables={"csv": str(csv), "sequences": {"n": {"start": 1}}},
        requests=[{"path": "/u/{{user}}/{{n}}"}],
    )
    assert result.requests == 20
    expected = {f"/u/{['ann', 'bob'][i % 2]}/{1 + i}" for i in range(20)}
    assert set(server.paths) == expected


def test_an_abort_threshold_stops_the_run(server: TestServer, run_scenario: RunScenario) -> None:
    result = run_scenario(
        target=server.url,
        rate=50,
        duration=10.0,
        window=1.0,
        requests=[{"path": "/ok"}],
        thresholds=[{"expr": "p50 < 1us", "abort": True}, "error_rate < 1%"],
    )
    assert result.stop_reason == "aborted: threshold failed: p50 < 1us"
    assert result.exit_code == 1
    assert result.requests < 50 * 10
    assert [t.passed for t in result.thresholds] == [False, True]
    bp = result.breaking_point
    assert bp is not None
    assert bp.broke_at_s is not None
    assert bp.last_ok_at_s is None


def test_max_requests_bounds_the_run(server: TestServer, run_scenario: RunScenario) -> None:
    result = run_scenario(
        model="closed",
        vus=2,
        duration=5.0,
        max_requests=30,
        target=server.url,
        requests=[{"path": "/ok"}],
    )
    assert result.requests == 30
    assert result.stop_reason == "max_requests"


STALL = 0.5  # the server holds every request for up to this long, once per period


def test_open_model_p99_shows_a_stall_that_a_closed_model_hides(
    run_scenario: RunScenario,
) -> None:
    """Like a server that stalls 1 s every 10 s, scaled down: 0.5 s stalls every 2 s, starting
    0.5 s after the first request, in runs of 2 s (one stall each, a quarter of the run)."""
    open_server = TestServer(stall=(0.5, STALL, 2.0)).start()
    try:
        opened = run_scenario(
            target=open_server.url,
            rate=200,
            duration=2.0,
            connections=64,
            timeout=5.0,
            requests=[{"path": "/ok"}],
        )
    finally:
        open_server.stop()
    closed_server = TestServer(stall=(0.5, STALL, 2.0)).start()
    try:
        closed = run_scenario(
            model="closed",
            vus=2,
            duration=2.0,
            timeout=5.0,
            target=closed_server.url,
            requests=[{"path": "/ok"}],
        )
    finally:
        closed_server.stop()
    assert opened.errors == {}
    assert closed.errors == {}
    # A quarter of the open model's requests were intended during the stall: measured from
    # their intended send time they waited up to the whole stall, so p99 is most of it.
    assert opened.latency.p99_ms is not None
    assert opened.latency.p99_ms >= 0.8 * STALL * 1000
    assert opened.latency.max_ms is not None
    assert opened.latency.max_ms >= 0.9 * STALL * 1000
    # The closed model's two users each waited once, a handful among thousands of requests;
    # measured from the actual send, the stall vanishes from p99 (only max shows it).
    assert closed.requests > 2 * 100
    assert closed.latency.p99_ms is not None
    assert closed.latency.p99_ms < 0.1 * STALL * 1000
    assert closed.latency.max_ms is not None
    assert closed.latency.max_ms >= 0.5 * STALL * 1000


def test_ctrl_c_stops_the_workers_and_keeps_the_result(server: TestServer) -> None:
    scenario = Scenario.model_validate(
        {"target": server.url, "rate": 50, "duration": 30.0, "requests": [{"path": "/ok"}]}
    )
    seconds: list[float] = []

    def interrupt_once(status: LiveStatus) -> None:
        seconds.append(status.elapsed)
        if len(seconds) == 1:
            os.kill(os.getpid(), signal.SIGINT)

    result = LoadRunner(compile_plan(scenario, workers=1), interrupt_once).run()
    assert result.stop_reason == "interrupted"
    assert result.exit_code == 130
    assert 0 < result.requests < 50 * 30
    assert result.errors == {}


def test_target_resources_host_and_a_database_of_the_config(
    server: TestServer, tmp_path: Path
) -> None:
    config = tmp_path / "warden.yaml"
    config.write_text(
        "collectors:\n  - name: cache\n    redis: {url: 'redis://127.0.0.1:6379/0'}\n"
    )
    scenario = Scenario.model_validate(
        {
            "target": server.url,
            "rate": 20,
            "duration": 2.0,
            "databases": ["cache", "nope"],
            "requests": [{"path": "/ok"}],
        }
    )
    plan = compile_plan(scenario, workers=1)
    monitor, notes = build_monitor(plan.local, plan.databases, config, interval=0.5)
    result = LoadRunner(plan, None, monitor, notes).run()
    sources = {(s.source, s.name.split("{")[0]) for s in result.resources}
    assert ("cache", "redis_connected_clients") in sources
    assert ("host", "host_memory_used_percent") in sources
    assert any("'nope' not sampled" in n for n in result.notes)


def test_monitor_degrades_without_a_config(tmp_path: Path) -> None:
    monitor, notes = build_monitor(False, ["db"], tmp_path / "missing.yaml")
    assert monitor.empty
    assert any("not on this machine" in n for n in notes)
    assert any("cannot read the Warden config" in n for n in notes)


def test_each_stage_counts_the_requests_it_scheduled() -> None:
    """Stages change mid-second (at 1.5 s) and a stall holds the responses of the last 0.3 s of
    the first stage until after the boundary: each stage still counts what it scheduled."""
    srv = TestServer(stall=(1.2, 0.6, 100.0)).start()
    try:
        scenario = Scenario.model_validate(
            {
                "target": srv.url,
                "timeout": 2.0,
                "stages": [
                    {"duration": "1500ms", "target": 50, "ramp": False},
                    {"duration": "1500ms", "target": 100, "ramp": False},
                ],
                "requests": [{"path": "/ok"}],
            }
        )
        result = LoadRunner(compile_plan(scenario, workers=2)).run()
    finally:
        srv.stop()
    scheduled = [round(1.5 * 50), round(1.5 * 100)]
    assert result.intended == sum(scheduled)
    assert [st.requests for st in result.stages] == scheduled
    assert [st.errors for st in result.stages] == [0, 0]


def test_breakpoint_aborts_on_a_threshold_given_on_the_command_line(
    run_scenario: RunScenario,
) -> None:
    """`warden load breakpoint URL -t "p99 < 50ms" --window 2s`: a stall of the server breaks
    the threshold and the run stops long before its 20 s."""
    srv = TestServer(stall=(1.0, 0.6, 100.0)).start()
    try:
        result = run_scenario(
            target=srv.url,
            preset="breakpoint",
            rate=100,
            peak=10,
            duration=20,
            window=2,
            thresholds=["p99 < 50ms"],
            requests=[{"path": "/ok"}],
        )
    finally:
        srv.stop()
    assert result.stop_reason == "aborted: threshold failed: p99 < 50ms"
    assert result.exit_code == 1
    assert result.series[-1].t < 10
