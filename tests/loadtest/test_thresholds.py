"""Threshold parsing and evaluation."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from warden.loadtest.histograms import LatencySummary
from warden.loadtest.thresholds import evaluate, format_actual, parse_threshold


@pytest.mark.parametrize(
    ("text", "metric", "name", "op", "value"),
    [
        ("p95 < 200ms", "p95", None, "<", 0.2),
        ("p99.9<=1s", "p99.9", None, "<=", 1.0),
        ("p50 < 250us", "p50", None, "<", 0.00025),
        ("max < 300", "max", None, "<", 0.3),
        ("error_rate < 0.1%", "error_rate", None, "<", 0.001),
        ("error_rate < 0.05", "error_rate", None, "<", 0.05),
        ("error_rate.timeout == 0", "error_rate.timeout", None, "==", 0.0),
        ("rps > 1000", "rps", None, ">", 1000.0),
        ("rps >= 2k", "rps", None, ">=", 2000.0),
        ("p99[login] < 1s", "p99", "login", "<", 1.0),
        ("error_rate[GET /] < 1%", "error_rate", "GET /", "<", 0.01),
        ("bytes_per_s > 10M", "bytes_per_s", None, ">", 10e6),
        ("dropped == 0", "dropped", None, "==", 0.0),
        ("late_rate < 1%", "late_rate", None, "<", 0.01),
    ],
)
def test_parse(text: str, metric: str, name: str | None, op: str, value: float) -> None:
    th = parse_threshold(text)
    assert (th.metric, th.name, th.op) == (metric, name, op)
    assert th.value == pytest.approx(value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("p95 200ms", "is not a threshold"),
        ("p42 < 1s", "unknown metric"),
        ("p95 < 200kg", "time unit"),
        ("error_rate < 5ms", "fraction"),
        ("error_rate < 150%", "between 0 and 100%"),
        ("error_rate.boom < 1%", "unknown error class"),
        ("late[x] < 1", "cannot be limited"),
        ("rps > 10ms", "plain number"),
    ],
)
def test_parse_errors_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_threshold(text)


def _latency(p95_ms: float | None) -> LatencySummary:
    if p95_ms is None:
        return LatencySummary.empty()
    return LatencySummary(10, 1.0, 2.0, 1.5, 2.0, p95_ms, p95_ms, p95_ms, p95_ms)


@dataclass
class View:
    total: int = 100
    error_count: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    p95_ms: float | None = 150.0
    seconds: float = 10.0
    bytes_in: int = 1000
    late: int = 0
    dropped: int = 0
    intended: int = 100

    def latency(self, name: str | None) -> LatencySummary:
        return _latency(self.p95_ms)

    def requests(self, name: str | None) -> int:
        return self.total

    def errors(self, name: str | None, kind: str | None = None) -> int:
        return self.kinds.get(kind, 0) if kind else self.error_count


@pytest.mark.parametrize(
    ("text", "view", "passed"),
    [
        ("p95 < 200ms", View(), True),
        ("p95 < 100ms", View(), False),
        ("p95 < 100ms", View(p95_ms=None), None),
        ("error_rate < 1%", View(error_count=0), True),
        ("error_rate < 1%", View(error_count=1), False),
        ("error_rate < 1%", View(total=0), None),
        ("error_rate.timeout < 1%", View(error_count=5, kinds={"timeout": 0}), True),
        ("rps > 5", View(), True),
        ("rps > 20", View(), False),
        ("dropped == 0", View(dropped=3), False),
        ("late_rate < 5%", View(late=4), True),
        ("requests >= 100", View(), True),
    ],
)
def test_evaluate(text: str, view: View, passed: bool | None) -> None:
    result, actual = evaluate(parse_threshold(text), view)
    assert result is passed
    assert (actual is None) is (passed is None)


def test_format_actual() -> None:
    assert format_actual(parse_threshold("p95 < 1s"), 0.0123) == "12.300ms"
    assert format_actual(parse_threshold("error_rate < 1%"), 0.5) == "50.000%"
    assert format_actual(parse_threshold("rps > 1"), None) == "no data"


@pytest.mark.parametrize(
    ("preset", "threshold", "abort"),
    [
        ("stress", "p99 < 50ms", True),  # the preset looks for the breaking point
        ("breakpoint", "p99 < 50ms", True),
        ("stress", {"expr": "p99 < 50ms", "abort": False}, False),  # said explicitly
        ("baseline", "p99 < 50ms", False),
        (None, "p99 < 50ms", False),
        (None, {"expr": "p99 < 50ms", "abort": True}, True),
    ],
)
def test_user_thresholds_abort_on_the_breaking_presets(
    preset: str | None, threshold: object, abort: bool
) -> None:
    from warden.loadtest.compile import compile_plan
    from warden.loadtest.scenario import Scenario

    fields: dict[str, object] = {
        "target": "http://127.0.0.1:1",
        "rate": 10,
        "duration": 10,
        "thresholds": [threshold],
    }
    if preset is not None:
        fields["preset"] = preset
    plan = compile_plan(Scenario.model_validate(fields), workers=1)
    assert [t.abort for t in plan.thresholds] == [abort]
