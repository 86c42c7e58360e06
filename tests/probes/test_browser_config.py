"""The ``browser`` probe's settings and judgement, without a browser: budgets, steps, findings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pydantic
import pytest

from warden.config.schema import build_model
from warden.probes import _browser_page as measure
from warden.probes import _browser_shots as shots
from warden.probes._browser_config import BrowserConfig, Budget
from warden.results import ErrorClass, Status

URL = "https://shop.example.test/"


def config(**extra: Any) -> BrowserConfig:
    return BrowserConfig.model_validate({"url": URL, **extra})


def test_defaults_are_the_issue_budgets() -> None:
    cfg = config()
    assert cfg.budgets.load == Budget(degraded=3.0)
    assert cfg.budgets.interactive == Budget(degraded=5.0)
    assert (cfg.budgets.lcp, cfg.budgets.cls, cfg.budgets.tbt) == (None, None, None)
    assert (cfg.js_errors, cfg.failed_requests) == ("degraded", "degraded")
    assert cfg.target() == URL


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"load": "2s"}, {"load": Budget(degraded=2.0)}),
        ({"load": {"degraded": "2s", "down": "10s"}}, {"load": Budget(degraded=2.0, down=10.0)}),
        ({"lcp": "2500ms", "cls": 0.1}, {"lcp": Budget(degraded=2.5), "cls": Budget(degraded=0.1)}),
        ({"tbt": {"down": "600ms"}}, {"tbt": Budget(down=0.6)}),
        ({"load": None, "interactive": None}, {"load": None, "interactive": None}),
    ],
)
def test_budgets_shorthand_and_full_form(given: dict[str, Any], expected: dict[str, Any]) -> None:
    budgets = config(budgets=given).budgets
    for name, budget in expected.items():
        assert getattr(budgets, name) == budget


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"url": "ftp://x/"}, "http:// or https://"),
        ({"budgets": {"load": {"degraded": "5s", "down": "1s"}}}, "down must not be below"),
        ({"budgets": {"load": {}}}, "give degraded, down or both"),
        ({"budgets": {"speed": "1s"}}, "Extra inputs"),
        ({"steps": [{"click": "#a", "expect": "x"}]}, "exactly one of click, fill, expect"),
        ({"steps": [{}]}, "exactly one of click, fill, expect"),
        ({"steps": [{"fill": {"selector": "#q"}}]}, "value"),
        ({"js_errors": "explode"}, "ignore"),
        ({"contexts": 0}, "greater than or equal to 1"),
    ],
)
def test_bad_settings_are_refused(settings: dict[str, Any], says: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=says):
        BrowserConfig.model_validate({"url": URL, **settings})


def test_a_monitor_takes_a_browser_key() -> None:
    cfg = build_model().model_validate(
        {"monitors": [{"name": "home", "timeout": "30s", "browser": {"url": URL}}]}
    )
    assert cfg.monitors[0].probe_type() == "browser"


def test_steps_read_like_the_config_and_hide_fill_values() -> None:
    cfg = config(
        steps=[
            {"fill": {"selector": "#pw", "value": "hunter2"}},
            {"click": "text=Sign in"},
            {"expect": "Welcome"},
            {"expect": {"text": "3 items", "selector": "#cart"}},
        ]
    )
    assert [s.describe() for s in cfg.steps] == [
        "fill '#pw'",
        "click 'text=Sign in'",
        "expect 'Welcome'",
        "expect '3 items' in '#cart'",
    ]
    assert cfg.secrets() == ["hunter2"]
    assert "hunter2" not in repr(cfg)


NAV = {
    "domainLookupStart": 1.0, "domainLookupEnd": 3.0, "connectStart": 3.0,
    "secureConnectionStart": 5.0, "connectEnd": 9.0, "requestStart": 9.0,
    "responseStart": 49.0, "responseEnd": 59.0, "domContentLoadedEventEnd": 159.0,
    "loadEventEnd": 359.0,
}  # fmt: skip


def test_measures_split_the_navigation_into_phases() -> None:
    data = {"nav": NAV, "lcp": 300.0, "fcp": 120.0, "cls": 0.05, "tti": 400.0, "tbt": 25.0,
            "transfer": 2048, "requests": 3}  # fmt: skip
    phases, metrics = measure.measures(data)
    want_phases = {"dns": 0.002, "connect": 0.002, "tls": 0.004, "ttfb": 0.04, "transfer": 0.01,
                   "dom": 0.1, "onload": 0.2}  # fmt: skip
    want = {"dom_content_loaded_seconds": 0.159, "load_seconds": 0.359, "fcp_seconds": 0.12,
            "lcp_seconds": 0.3, "tti_seconds": 0.4, "tbt_seconds": 0.025, "cls": 0.05,
            "transfer_bytes": 2048, "requests": 3}  # fmt: skip
    assert phases == pytest.approx(want_phases)
    assert metrics == pytest.approx(want)


def test_without_lcp_there_is_no_lcp_metric() -> None:
    _, metrics = measure.measures({"nav": None, "lcp": None, "fcp": None, "cls": 0, "tbt": 0})
    assert {"lcp_seconds", "load_seconds"}.isdisjoint(metrics)


@pytest.mark.parametrize(
    ("metrics", "status", "says"),
    [
        ({"load_seconds": 2.9, "tti_seconds": 4.9}, None, ""),
        ({"load_seconds": 3.2, "tti_seconds": 1.0}, Status.DEGRADED, "load 3.2s is over budget 3s"),
        ({"load_seconds": 1.0, "tti_seconds": 5.5}, Status.DEGRADED, "time to interactive 5.5s"),
        ({"load_seconds": 12.0}, Status.DOWN, "load 12s is over budget 10s"),
        ({"cls": 0.3}, Status.DEGRADED, "CLS 0.300 is over budget 0.100"),
    ],
)
def test_budgets_judge_the_measures(
    metrics: dict[str, float], status: Status | None, says: str
) -> None:
    cfg = config(budgets={"load": {"degraded": "3s", "down": "10s"}, "cls": 0.1})
    found = measure.budget_findings(cfg, metrics)
    if status is None:
        assert found == []
        return
    assert [(f[0], f[1]) for f in found] == [(status, ErrorClass.ASSERTION)]
    assert says in found[0][2]


@pytest.mark.parametrize(
    ("outcome", "status"), [("ignore", None), ("degraded", Status.DEGRADED), ("down", Status.DOWN)]
)
def test_js_errors_count_as_configured(outcome: Any, status: Status | None) -> None:
    found = measure.problem_finding(outcome, "JavaScript error", ["boom", "bang"])
    assert [f[0] for f in found] == ([status] if status else [])
    if found:
        assert found[0][2] == "2 JavaScript errors (first: boom)"


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("net::ERR_NAME_NOT_RESOLVED at https://nowhere.test/", ErrorClass.DNS),
        ("net::ERR_CONNECTION_REFUSED at http://127.0.0.1:9/", ErrorClass.REFUSED),
        ("net::ERR_CERT_AUTHORITY_INVALID at https://self.test/", ErrorClass.TLS),
        ("net::ERR_EMPTY_RESPONSE at http://x/", ErrorClass.RESET),
        ("something else", ErrorClass.ERROR),
    ],
)
def test_navigation_errors_are_classified(message: str, error: ErrorClass) -> None:
    assert measure.classify_error(message) is error


def test_screenshots_are_kept_newest_first_and_bounded(tmp_path: Path) -> None:
    for i in range(5):
        shots.save(tmp_path, "home", 1_700_000_000 + i, "down", b"\xff\xd8jpeg%d" % i, keep=3)
    kept = shots.listing(tmp_path, "home")
    assert [s.time for s in kept] == [1_700_000_004, 1_700_000_003, 1_700_000_002]
    assert shots.read(tmp_path, "home", kept[0].name) == b"\xff\xd8jpeg4"
    assert shots.read(tmp_path, "home", "../../etc/passwd") is None
    assert shots.read(tmp_path, "..", kept[0].name) is None
    assert shots.listing(tmp_path, "other") == []
