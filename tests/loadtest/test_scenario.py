"""Scenario files: what is accepted, and errors that name the file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from warden.errors import ConfigError, LoadTestError
from warden.loadtest.compile import build_profile, compile_plan, is_loopback
from warden.loadtest.scenario import load_scenario, parse_scenario

GOOD = """
name: checkout
target: http://127.0.0.1:8080/api
model: open
rate: 50
preset: spike
duration: 1m
headers: {X-Test: "1"}
variables:
  csv: users.csv
  sequences:
    order: {start: 100, step: 2}
requests:
  - name: home
    path: /
    weight: 3
    checks:
      - status: 2xx
      - body_contains: welcome
  - name: order
    method: post
    path: /orders/{{order}}?user={{ user }}
    json: {user: "{{user}}", qty: 1}
    checks:
      - json: {path: "$.items[0].id", equals: 3}
thresholds:
  - p95 < 200ms
  - {expr: "error_rate < 1%", abort: true}
"""


def test_a_full_scenario_compiles(tmp_path: Path) -> None:
    (tmp_path / "users.csv").write_text("user,token\nann,a1\nbob,b2\n")
    path = tmp_path / "s.yaml"
    path.write_text(GOOD)
    scenario = load_scenario(path)
    assert scenario.requests[1].method == "POST"
    plan = compile_plan(scenario, tmp_path, workers=2)
    assert plan.names == ("home", "order")
    assert [t.abort for t in plan.thresholds] == [False, True]
    assert plan.profile.duration == 60
    assert len(plan.workers) == 2
    home, order = plan.workers[0].templates
    assert home.static is not None
    assert home.static.startswith(b"GET /api/ HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n")
    assert b"X-Test: 1\r\n" in home.static
    assert order.static is None  # has variables
    rendered = order.render({"order": "102", "user": "ann b", "token": "a1"})
    assert rendered.startswith(b"POST /api/orders/102?user=ann%20b HTTP/1.1\r\n")
    assert rendered.endswith(b'\r\n\r\n{"user":"ann b","qty":1}')
    assert b"Content-Length: 24\r\n" in rendered
    assert b"Content-Type: application/json\r\n" in rendered
    assert order.needs_body
    assert home.status_checked
    assert sum(1 for i in plan.workers[0].order if i == 0) == 3 * sum(
        1 for i in plan.workers[0].order if i == 1
    )


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("target: http://127.0.0.1:1\nrate: 5\nbogus: 1\n", "s.yaml:3: bogus: unknown key"),
        ("target: ftp://x\nrate: 5\n", "s.yaml:1: target: must be an http"),
        ("target: http://127.0.0.1:1\n", "needs rate"),
        ("target: http://127.0.0.1:1\nrate: 5\nthresholds:\n  - p95 < 2kg\n", "s.yaml:4"),
        (
            "target: http://127.0.0.1:1\nrate: 5\nrequests:\n  - path: /\n    weight: 0\n",
            "s.yaml:5: requests[0].weight",
        ),
        (
            "target: http://127.0.0.1:1\nrate: 5\nrequests:\n  - path: /\n"
            "    checks:\n      - json: {path: items}\n",
            "s.yaml:6: requests[0].checks[0].json.path: JSON path 'items' must start with $",
        ),
        (
            "target: http://127.0.0.1:1\nrate: 5\nrequests:\n  - path: /\n"
            "    checks:\n      - {status: 200, body_contains: x}\n",
            "give exactly one of",
        ),
        ("target: http://127.0.0.1:1\nrate: 5\nrequests:\n  - {path: /, method: HEAD}\n", "HEAD"),
        ("target: http://127.0.0.1:1\nrate: 5\nrequests: [{path: /}, {path: /}]\n", "unique"),
        ("target: http://127.0.0.1:1\nvus: 5\n", "rate (requests per second)"),
        (
            "target: http://127.0.0.1:1\nrate: 5\npreset: soak\n"
            "stages: [{duration: 1, target: 1}]\n",
            "either stages or a preset",
        ),
        ("target: [unclosed\n", "YAML syntax"),
    ],
)
def test_errors_name_file_line_and_key(text: str, where: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_scenario(text, "s.yaml")
    assert where in str(info.value)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_scenario(tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("127.0.0.1", True),
        ("127.3.2.1", True),
        ("localhost", True),
        ("[::1]", True),
        ("::1", True),
        ("10.0.0.1", False),
        ("example.com", False),
        ("localhost.example", False),
    ],
)
def test_loopback_detection_does_not_resolve_names(host: str, local: bool) -> None:
    assert is_loopback(host) is local


def test_a_remote_target_needs_allow_remote() -> None:
    scenario = parse_scenario("target: http://192.0.2.10\nrate: 5\n")
    with pytest.raises(LoadTestError, match="allow-remote"):
        compile_plan(scenario)
    allowed = parse_scenario("target: http://192.0.2.10\nrate: 5\nallow_remote: true\n")
    assert compile_plan(allowed, workers=1).local is False


def test_unknown_variable_and_threshold_name_are_refused() -> None:
    s = parse_scenario("target: http://127.0.0.1:1\nrate: 5\nrequests: [{path: '/{{nope}}'}]\n")
    with pytest.raises(LoadTestError, match=r"unknown variable \{\{nope\}\}"):
        compile_plan(s)
    s = parse_scenario("target: http://127.0.0.1:1\nrate: 5\nthresholds: ['p95[x] < 1s']\n")
    with pytest.raises(LoadTestError, match="no request is named 'x'"):
        compile_plan(s)


def test_stages_and_closed_model_profile() -> None:
    s = parse_scenario(
        "target: http://127.0.0.1:1\nmodel: closed\nstages:\n"
        "  - {duration: 10s, target: 20}\n  - {duration: 5s, target: 20}\n"
        "  - {duration: 5s, target: 40, ramp: false}\nthink_time: {min: 1s, max: 2s}\n"
    )
    p = build_profile(s)
    assert [(st.start, st.end) for st in p.stages] == [(0, 20), (20, 20), (40, 40)]
    assert s.think() == (1.0, 2.0)
    plan = compile_plan(s, workers=8)
    assert len(plan.workers) == 8
    assert plan.unit == "VUs"


def test_stress_gets_default_abort_thresholds() -> None:
    plan = compile_plan(
        parse_scenario("target: http://127.0.0.1:1\nrate: 5\npreset: stress\n"), workers=1
    )
    assert [t.expr for t in plan.thresholds] == ["error_rate < 1%", "p99 < 1s"]
    assert all(t.abort for t in plan.thresholds)


def test_the_scenario_in_the_docs_is_valid(tmp_path: Path) -> None:
    doc = (Path(__file__).parents[2] / "docs" / "loadtest.md").read_text(encoding="utf-8")
    text = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "users.csv").write_text("user\nann\n")
    scenario = parse_scenario(text, "loadtest.md", {"API_TOKEN": "t"})
    plan = compile_plan(scenario, tmp_path)
    assert plan.names == ("home", "order")
    assert plan.preset == "stress"
    assert scenario.headers == {"Authorization": "Bearer t"}
