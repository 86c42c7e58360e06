"""Route templating, per-route statistics and ``warden traffic top`` on a generated log."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from warden.cli.main import app
from warden.store.histogram import GROWTH
from warden.traffic.routes import OTHER, RouteNamer
from warden.traffic.top import top_from_log


@pytest.mark.parametrize(
    ("target", "route"),
    [
        ("/users/123", "/users/:id"),
        ("/users/123/orders?page=2", "/users/:id/orders"),
        ("/o/3f2b8c1e-9d4a-4f5e-8b6a-1c2d3e4f5a6b", "/o/:uuid"),
        ("/blob/9f86d081884c7d659a2feaa0c55ad015", "/blob/:hash"),
        ("/s/aZ3kQ9xLm2Pq7Rt5Vw8Yb1", "/s/:token"),
        ("/static/app.js", "/static/app.js"),
        ("/", "/"),
        ("", "/"),
        ("http://shop.example/cart/7", "/cart/:id"),
    ],
)
def test_default_templating(target: str, route: str) -> None:
    assert RouteNamer()(target) == route


def test_configured_patterns_win() -> None:
    namer = RouteNamer(["/users/:name", "/static/*"])
    assert namer("/users/ann") == "/users/:name"
    assert namer("/static/css/site.css") == "/static/*"
    assert namer("/users/ann/posts") == "/users/ann/posts"


def test_route_count_is_bounded() -> None:
    namer = RouteNamer(max_routes=3)
    names = {namer(f"/page-{c}") for c in "abcdef"}
    assert names == {"/page-a", "/page-b", "/page-c", OTHER}


def _log(path: Path, rows: list[tuple[int, str, int, float]]) -> None:
    """rows: (second, path, status, request time)."""
    with path.open("w") as f:
        for sec, target, status, rt in rows:
            f.write(
                f'1.2.3.4 - - [04/Dec/2026:10:{sec // 60:02d}:{sec % 60:02d} +0000] "GET {target} '
                f'HTTP/1.1" {status} 10 "-" "t" {rt:.3f}\n'
            )


def test_top_counts_rates_errors_and_percentiles(tmp_path: Path) -> None:
    rng = random.Random(7)
    rows = []
    slow_times = []
    for i in range(1000):
        rt = round(rng.uniform(0.1, 0.5), 3)
        slow_times.append(rt)
        rows.append((i % 100, f"/users/{i}", 500 if i % 50 == 0 else 200, rt))
        rows.append((i % 100, "/health", 200, 0.001))
    log = tmp_path / "access.log"
    _log(log, rows)
    with log.open("a") as f:
        f.write("not a log line\n")
    data = top_from_log(log, "nginx")
    assert data["requests"] == 2000
    assert data["bad_lines"] == 1
    assert data["bad_samples"] == [{"line": 2001, "text": "not a log line"}]
    slow, health = data["routes"]
    assert (slow["route"], health["route"]) == ("/users/:id", "/health")
    assert slow["requests"] == 1000
    assert slow["errors"] == 20
    assert slow["error_rate"] == pytest.approx(0.02)
    assert slow["rate"] == pytest.approx(1000 / 99)
    exact = sorted(slow_times)[math.ceil(0.95 * 1000) - 1] * 1000
    assert exact <= slow["p95_ms"] <= exact * GROWTH  # within one histogram bucket
    by_errors = top_from_log(log, "nginx", sort="errors")
    assert by_errors["routes"][0]["route"] == "/users/:id"


def test_cli_json_and_table(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    _log(log, [(0, "/a/1", 200, 0.2), (1, "/a/2", 502, 0.3), (2, "/b", 200, 0.01)])
    runner = CliRunner()
    res = runner.invoke(app, ["traffic", "top", "--log", str(log), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["schema"] == "warden.traffic.top/v1"
    assert [r["route"] for r in data["routes"]] == ["/a/:id", "/b"]
    table = runner.invoke(app, ["traffic", "top", "--log", str(log)])
    assert table.exit_code == 0
    assert "/a/:id" in table.stdout
    since = runner.invoke(app, ["traffic", "top", "--log", str(log), "--since", "1s", "--json"])
    assert json.loads(since.stdout)["requests"] == 2


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--format", "iis"], "unknown log format 'iis'"),
        (["--sort", "speed"], "sort must be one of"),
        (["--route", "users/:id"], "must start with /"),
        (["--since", "soon"], "--since 'soon'"),
    ],
)
def test_cli_bad_input_exits_2(tmp_path: Path, args: list[str], says: str) -> None:
    log = tmp_path / "a.log"
    _log(log, [(0, "/a", 200, 0.1)])
    res = CliRunner().invoke(app, ["traffic", "top", "--log", str(log), *args])
    assert res.exit_code == 2
    assert says in res.output


def test_cli_missing_log_exits_2(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["traffic", "top", "--log", str(tmp_path / "nope.log")])
    assert res.exit_code == 2
    assert "no such file" in " ".join(res.output.split())
