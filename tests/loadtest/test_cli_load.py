"""``warden load`` as a user runs it: JSON shape, HTML report, the store, exit codes, nginx."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from warden.cli.main import app
from warden.report.html import VENDOR_DIR

from ._server import TestServer

pytestmark = pytest.mark.integration

runner = CliRunner()

TOP_LEVEL_KEYS = {
    "schema",
    "name",
    "target",
    "model",
    "preset",
    "unit",
    "started_at",
    "planned_duration_s",
    "elapsed_s",
    "stop_reason",
    "partial",
    "requests",
    "ok",
    "errors",
    "error_rate",
    "bytes_in",
    "rps",
    "bytes_per_s",
    "intended",
    "sent",
    "late",
    "dropped",
    "latency",
    "by_name",
    "stages",
    "series",
    "series_resolution_s",
    "thresholds",
    "breaking_point",
    "drift",
    "resources",
    "generator",
    "notes",
    "passed",
    "exit_code",
}
LATENCY_KEYS = {
    "count",
    "min_ms",
    "mean_ms",
    "p50_ms",
    "p90_ms",
    "p95_ms",
    "p99_ms",
    "p999_ms",
    "max_ms",
}


def test_json_html_store_and_history(server: TestServer, tmp_path: Path) -> None:
    config = tmp_path / "warden.yaml"
    config.write_text(f"store:\n  url: sqlite:///{tmp_path / 'w.db'}\n")
    html = tmp_path / "report.html"
    result = runner.invoke(
        app,
        [
            "load",
            "run",
            f"{server.url}/ok",
            "--rate",
            "20",
            "-d",
            "1s",
            "--workers",
            "1",
            "-t",
            "p95 < 5s",
            "-t",
            "error_rate < 1%",
            "--json",
            "--html",
            str(html),
            "--save",
            "-c",
            str(config),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Load test" in result.stderr
    assert "loopback" in result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema"] == "warden.load/v1"
    assert set(doc) == TOP_LEVEL_KEYS
    assert set(doc["latency"]) == LATENCY_KEYS
    assert doc["requests"] == 20
    assert doc["passed"] is True
    assert doc["exit_code"] == 0
    assert doc["by_name"][0]["name"] == "GET /ok"
    assert [t["passed"] for t in doc["thresholds"]] == [True, True]
    assert {"t", "rps", "p99_ms", "errors", "target"} <= set(doc["series"][0])
    assert doc["generator"]["workers"] == 1
    page = html.read_text(encoding="utf-8")
    js = (VENDOR_DIR / "uPlot.iife.min.js").read_text(encoding="utf-8")
    assert js[-300:] in page
    assert "Latency percentiles" in page
    assert "<script src" not in page
    history = runner.invoke(app, ["load", "history", "--json", "-c", str(config)])
    assert history.exit_code == 0, history.output
    runs = json.loads(history.stdout)["runs"]
    assert [r["requests"] for r in runs] == [20]


def test_a_failed_threshold_exits_1_and_presets_shape_the_run(server: TestServer) -> None:
    result = runner.invoke(
        app,
        [
            "load",
            "spike",
            f"{server.url}/ok",
            "--rate",
            "10",
            "-d",
            "1s",
            "--peak",
            "2",
            "--workers",
            "1",
            "--no-monitor",
            "-t",
            "p50 < 1us",
        ],
    )
    assert result.exit_code == 1, result.output
    assert "FAIL" in result.stdout
    assert "spike" in result.stdout
    assert "Stages" in result.stdout


def test_a_remote_target_needs_a_flag() -> None:
    result = runner.invoke(app, ["load", "baseline", "http://192.0.2.1/", "--rate", "1"])
    assert result.exit_code == 2
    assert "--allow-remote" in result.stderr


def test_a_bad_scenario_exits_2_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("target: http://127.0.0.1:9\nrate: 5\nthresholds:\n  - p95 < lots\n")
    result = runner.invoke(app, ["load", "run", str(path)])
    assert result.exit_code == 2
    assert f"{path}:4: thresholds[0]" in result.stderr


def test_bad_options_exit_2() -> None:
    result = runner.invoke(app, ["load", "run", "http://127.0.0.1:9/", "--rate", "-3"])
    assert result.exit_code == 2
    assert "rate" in result.stderr


def test_against_nginx_with_a_worker_per_core(nginx: str) -> None:
    result = runner.invoke(
        app,
        [
            "load",
            "run",
            f"{nginx}/1k.txt",
            "--vus",
            "8",
            "-d",
            "1s",
            "--processes",
            "2",
            "--json",
            "--no-monitor",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["errors"] == {}
    assert doc["requests"] > 0
    assert doc["bytes_in"] >= doc["requests"] * 1024
    assert doc["generator"]["workers"] == 2
    assert sum(p["requests"] for p in doc["series"]) == doc["requests"]


@pytest.mark.parametrize(
    ("threshold", "says"),
    [
        ("p99 < 50kg", "latency needs a time unit"),
        ("bogus", "write e.g. 'p95 < 200ms'"),
    ],
)
def test_a_bad_threshold_gets_one_clear_error(threshold: str, says: str) -> None:
    result = runner.invoke(app, ["load", "stress", "http://127.0.0.1:1/", "-t", threshold])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"error: command line: -t: '{threshold}'")
    assert says in lines[0]
