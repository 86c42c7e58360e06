"""Distributed load generation: a controller and remote workers on loopback against nginx.

The merged histogram is compared with the union of the histograms the workers sent (decoded
and added here, apart from the runner's code), the merged seconds with the sum of the workers'
seconds; a worker killed mid-run leaves a partial result.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import psutil
import pytest
from hdrh.histogram import HdrHistogram
from typer.testing import CliRunner

from warden.cli.main import app
from warden.loadtest.histograms import new_histogram
from warden.loadtest.plan import WorkerSecond
from warden.loadtest.remote import connect_workers, distribute
from warden.loadtest.runner import LoadRunner
from warden.loadtest.scenario import Scenario

from ._workers import TOKEN, token_file, workers

pytestmark = pytest.mark.integration


class Tap:
    """What every worker process sent, second by second, as the controller received it."""

    def __init__(self) -> None:
        self.seconds: dict[tuple[str, int], list[WorkerSecond]] = defaultdict(list)
        self.hook: Any = None

    def __call__(self, fleet: str, index: int, second: WorkerSecond) -> None:
        self.seconds[(fleet, index)].append(second)
        if self.hook is not None:
            self.hook(fleet, index, second)

    def union(self) -> Any:
        """The histogram of every latency the workers recorded (hdrh's own add)."""
        out = new_histogram()
        for reports in self.seconds.values():
            for report in reports:
                for _, names in report.parts():
                    for ns in names:
                        if ns is not None and ns.histogram is not None:
                            out.add(HdrHistogram.decode(ns.histogram))
        return out

    def per_second(self) -> dict[int, int]:
        out: dict[int, int] = defaultdict(int)
        for reports in self.seconds.values():
            for r in reports:
                out[r.second] += sum(n.requests for _, ns in r.parts() for n in ns if n)
        return out


def _scenario(url: str, **extra: Any) -> Scenario:
    fields: dict[str, Any] = {"target": url, "requests": [{"path": "/1k.txt"}], "timeout": 2.0}
    return Scenario.model_validate({**fields, **extra})


def _same_value(h: Any, a: float, b_ms: float | None) -> bool:
    """``a`` (µs) and ``b_ms`` fall in the same histogram bucket (equal within its precision)."""
    assert b_ms is not None
    return bool(h.values_are_equivalent(int(a), round(b_ms * 1000)))


def test_two_workers_merge_exactly_what_they_sent(nginx: str, tmp_path: Path) -> None:
    with workers(tmp_path, 2, processes=2) as ws:
        fleets = connect_workers([w.address for w in ws], TOKEN.encode())
        plan, used = distribute(fleets, _scenario(nginx, rate=600, duration=3.0), tmp_path)
        tap = Tap()
        result = LoadRunner(plan, fleets=used, tap=tap).run()
        logs = [w.text() for w in ws]
    assert result.partial is False, result.notes
    assert result.exit_code == 0
    assert result.errors == {}
    assert [h.name for h in result.generator.hosts] == [w.address for w in ws]
    assert [h.processes for h in result.generator.hosts] == [2, 2]
    assert result.generator.workers == 4
    # the open model's schedule is split exactly: every process owes a quarter of the rate
    intended = {key: sum(r.intended for r in rs) for key, rs in tap.seconds.items()}
    assert sorted(intended.values()) == [450, 450, 450, 450]
    assert result.intended == 1800 == result.requests
    assert all(h.requests > 0 for h in result.generator.hosts)
    # full histograms merged: the same percentiles as the union of the workers' histograms
    union = tap.union()
    assert union.get_total_count() == result.latency.count == result.requests
    for pct, got in ((50.0, result.latency.p50_ms), (99.0, result.latency.p99_ms)):
        assert _same_value(union, union.get_value_at_percentile(pct), got)
    assert _same_value(union, union.get_max_value(), result.latency.max_ms)
    # each merged second is the sum of the workers' reports of that second
    per_second = tap.per_second()
    assert sum(per_second.values()) == result.requests
    for point in result.series[:-1]:
        assert point.requests == per_second[int(point.t)]
    for log in logs:
        assert TOKEN not in log
        assert "controller authenticated" in log


def test_a_worker_killed_mid_run_leaves_a_partial_result(nginx: str, tmp_path: Path) -> None:
    with workers(tmp_path, 2) as ws:
        victim = ws[1]
        children = psutil.Process(victim.proc.pid).children  # read once the run has started
        fleets = connect_workers([w.address for w in ws], TOKEN.encode())
        plan, used = distribute(fleets, _scenario(nginx, rate=200, duration=4.0), tmp_path)
        tap = Tap()
        orphans: list[psutil.Process] = []

        def kill_after_its_first_second(fleet: str, index: int, second: WorkerSecond) -> None:
            if fleet == victim.address and second.second == 1 and not orphans:
                orphans.extend(children())
                os.kill(victim.proc.pid, signal.SIGKILL)

        tap.hook = kill_after_its_first_second
        result = LoadRunner(plan, fleets=used, tap=tap).run()
        _, alive = psutil.wait_procs(orphans, timeout=30)
    assert orphans
    assert not alive
    assert result.partial is True
    assert result.exit_code == 4
    lost = {h.name: h for h in result.generator.hosts}
    assert lost[victim.address].lost is not None
    assert lost[victim.address].lost_at_s is not None
    assert lost[ws[0].address].lost is None
    assert any("the run is partial" in n and victim.address in n for n in result.notes)
    # the survivor kept going to the end and its seconds were merged
    survivor = tap.seconds[(ws[0].address, 0)]
    assert max(r.second for r in survivor) >= 3
    assert result.requests == sum(tap.per_second().values())
    doc = result.to_payload()
    assert doc["partial"] is True
    assert doc["generator"]["hosts"][1]["lost"]


def test_a_skewed_worker_clock_is_corrected(nginx: str, tmp_path: Path) -> None:
    import threading

    from warden.loadtest.serve import WorkerServer

    server = WorkerServer("127.0.0.1:0", TOKEN.encode(), 1, clock=lambda: time.time() + 30.0)
    thread = threading.Thread(target=server.serve, args=(1,), daemon=True)
    thread.start()
    try:
        with workers(tmp_path, 1) as ws:
            addresses = [server.address, ws[0].address]
            fleets = connect_workers(addresses, TOKEN.encode())
            plan, used = distribute(fleets, _scenario(nginx, rate=100, duration=2.0), tmp_path)
            tap = Tap()
            result = LoadRunner(plan, fleets=used, tap=tap).run()
    finally:
        server.close()
        thread.join(30)
    offsets = [h.clock_offset_s for h in result.generator.hosts]
    assert offsets[0] is not None
    assert abs(offsets[0] - 30.0) < 1.0
    assert offsets[1] is not None
    assert abs(offsets[1]) < 1.0
    assert result.partial is False
    assert result.stop_reason == "completed"
    # both started together: each sent its half of each second of the schedule
    for key in tap.seconds:
        full = [r for r in tap.seconds[key] if r.second < 2]
        assert [r.second for r in full] == [0, 1]
        assert [r.intended for r in full] == [50, 50]


def test_the_cli_runs_on_workers_and_reports_them(nginx: str, tmp_path: Path) -> None:
    with workers(tmp_path, 2) as ws:
        result = CliRunner().invoke(
            app,
            ["load", "run", f"{nginx}/1k.txt", "--vus", "4", "-d", "2s", "--json",
             "--no-monitor", "--workers", ",".join(w.address for w in ws),
             "--token-file", str(token_file(tmp_path))],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "on 2 remote workers" in result.stderr
    doc = json.loads(result.stdout)
    assert doc["partial"] is False, doc["notes"]
    assert doc["errors"] == {}
    hosts = doc["generator"]["hosts"]
    assert [h["name"] for h in hosts] == [w.address for w in ws]
    assert all(h["requests"] > 0 and h["lost"] is None for h in hosts)
    assert sum(h["requests"] for h in hosts) == doc["requests"]
    # the first second ends before the users stop: both workers' users are counted
    assert doc["series"][0]["vus"] == 4, doc["series"]


def test_a_wrong_token_is_refused_and_never_logged(tmp_path: Path) -> None:
    with workers(tmp_path, 1) as ws:
        wrong = "another-token-that-is-long-enough"
        result = CliRunner().invoke(
            app,
            ["load", "run", "http://127.0.0.1:1/", "-r", "5", "-d", "1s", "--no-monitor",
             "--workers", ws[0].address, "--token-file", str(token_file(tmp_path, wrong))],
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while "refused" not in ws[0].text() and time.monotonic() < deadline:
            time.sleep(0.05)
        log = ws[0].text()
    assert result.exit_code == 4
    assert "refused this controller" in result.output
    assert "refused: the controller did not prove it holds the token" in log
    assert wrong not in log + result.output
    assert TOKEN not in log + result.output


def test_an_abort_threshold_on_the_merged_data_stops_every_worker(
    nginx: str, tmp_path: Path
) -> None:
    with workers(tmp_path, 2) as ws:
        fleets = connect_workers([w.address for w in ws], TOKEN.encode())
        scenario = _scenario(
            nginx, rate=100, duration=20.0, window=1.0,
            requests=[{"path": "/missing"}],
            thresholds=[{"expr": "error_rate < 1%", "abort": True}],
        )  # fmt: skip
        plan, used = distribute(fleets, scenario, tmp_path)
        tap = Tap()
        result = LoadRunner(plan, fleets=used, tap=tap).run()
    assert result.stop_reason == "aborted: threshold failed: error_rate < 1%"
    assert result.errors == {"http_4xx": result.requests}
    assert result.partial is False  # stopped, not lost: both sent their final report
    assert result.exit_code == 1
    assert [t.passed for t in result.thresholds] == [False]
    # both workers stopped long before the end of the schedule
    assert result.intended < 100 * 20.0 / 2
    assert {fleet for fleet, _ in tap.seconds} == {w.address for w in ws}
