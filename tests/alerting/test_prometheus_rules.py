"""``warden alerts export-rules``: faithful PromQL or a reason, accepted and run by ``promtool``."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from warden.alerting.prometheus_rules import export_rules, glob_regex, prom_duration
from warden.cli.main import app
from warden.config import build_model, load_config
from warden.config.schema import WardenConfig

EXAMPLE = Path(__file__).parents[2] / "examples" / "warden.yaml"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason="Debian package prometheus")


def make_config(*rules: dict[str, Any], **extra: Any) -> WardenConfig:
    monitors = [
        {"name": "api-1", "group": "shop", "command": {"argv": ["true"]}},
        {"name": "api-2", "group": "shop", "command": {"argv": ["true"]}, "labels": {"team": "a"}},
        {"name": "db", "group": "data", "retries": 2, "command": {"argv": ["true"]}},
    ]
    data = {"monitors": monitors, "alerting": {"builtin_rules": False}, "alerts": list(rules)}
    return build_model().model_validate({**data, **extra})


def only(rule: dict[str, Any]) -> dict[str, Any]:
    got = export_rules(make_config({"name": "R", **rule}))
    assert not got.skipped, got.skipped
    [out] = got.rules
    return out


TRANSLATED = [
    ({"state": {}}, "warden_monitor_up == 0"),
    ({"state": {"monitors": ["api-*"], "group": "shop"}},
     'warden_monitor_up{monitor=~"api\\\\-.*", group="shop"} == 0'),
    ({"state": {"monitors": ["db"], "failures": 3}}, 'warden_monitor_up{monitor="db"} == 0'),
    ({"state": {"monitors": ["api-1", "db"]}},
     'warden_monitor_up{monitor=~"api\\\\-1|db"} == 0'),
    ({"check": {"monitors": ["api-1"], "agg": "p95", "window": "5m", "threshold": 0.5}},
     '(quantile_over_time(0.95, warden_monitor_latency_seconds{monitor="api-1"}[5m])'
     " + ignoring(group, type, metric) group_left(group, type) (0 * warden_monitor_up))"
     " > 0.5"),
    ({"check": {"group": "shop", "agg": "max", "window": "90s", "op": ">=", "threshold": 2}},
     "(max_over_time(warden_monitor_latency_seconds[1m30s])"
     " + ignoring(group, type, metric) group_left(group, type)"
     ' (0 * warden_monitor_up{group="shop"})) >= 2.0'),
    ({"check": {"value": "http_status", "agg": "last", "window": "2m", "op": "!=",
                "threshold": 200}},
     '(last_over_time(warden_monitor_probe_value{metric="http_status"}[2m])'
     " + ignoring(group, type, metric) group_left(group, type) (0 * warden_monitor_up))"
     " != 200.0"),
    ({"check": {"value": "cert_days_left", "agg": "last", "window": "1d", "op": "<",
                "threshold": 14}},
     "((last_over_time(warden_monitor_cert_expiry_timestamp_seconds[1d]) - time()) / 86400"
     " + ignoring(group, type, metric) group_left(group, type) (0 * warden_monitor_up))"
     " < 14.0"),
    ({"check": {"monitors": ["api-*"], "value": "down", "agg": "ratio", "window": "1h",
                "threshold": 0.05}},
     '(1 - avg_over_time(warden_monitor_up{monitor=~"api\\\\-.*"}[1h])) > 0.05'),
    ({"check": {"monitors": ["api-1"], "value": "down", "agg": "max", "window": "10m",
                "threshold": 0}},
     '(1 - min_over_time(warden_monitor_up{monitor="api-1"}[10m])) > 0.0'),
    ({"check": {"monitors": ["api-1"], "agg": "forecast", "window": "1h", "threshold": 3}},
     '(predict_linear(warden_monitor_latency_seconds{monitor="api-1"}[1h], 0)'
     " + ignoring(group, type, metric) group_left(group, type) (0 * warden_monitor_up))"
     " > 3.0"),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "expr"), TRANSLATED)
def test_rule_kinds_translate(rule: dict[str, Any], expr: str) -> None:
    assert only(rule)["expr"] == expr


SKIPPED = [
    ({"metric": {"series": "host_cpu_percent", "agg": "rate", "threshold": 90}},
     "agg rate counts every sample once"),
    ({"flapping": {}}, "only at each scrape"),
    ({"state": {"failures": 2}}, "api-1, api-2 turn down sooner"),
    ({"check": {"agg": "count", "threshold": 3}}, "agg count counts every check once"),
    ({"check": {"agg": "rate", "threshold": 3}}, "agg rate counts every check once"),
    ({"check": {"value": "down", "agg": "ratio", "threshold": 0.1}}, "db retry"),
    ({"check": {"value": "down", "agg": "sum", "monitors": ["api-1"], "threshold": 1}},
     "agg sum of down"),
    ({"check": {"value": "cert_days_left", "agg": "min", "threshold": 7}}, "(use last)"),
    ({"check": {"value": "Weird-Name", "threshold": 1}}, "is not exposed on /metrics"),
    ({"state": {}, "summary": "{monitor} down after {value} checks"}, "failed checks in a row"),
    ({"state": {}, "summary": "{monitor} of {team} is down"}, "monitor label 'team'"),
    ({"state": {}, "summary": "{monitor:>10} is down"}, "with a format"),
    ({"state": {}, "labels": {"bad-name": "x"}}, "not a valid Prometheus label name"),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "reason"), SKIPPED)
def test_untranslatable_rules_are_listed_with_the_reason(rule: dict[str, Any], reason: str) -> None:
    got = export_rules(make_config({"name": "R", **rule}))
    assert got.rules == []
    [skipped] = got.skipped
    assert skipped.rule == "R"
    assert reason in skipped.reason


def test_labels_annotations_and_templates() -> None:
    out = only(
        {
            "check": {"monitors": ["api-1"], "threshold": 1},
            "for": "1h30m",
            "severity": "critical",
            "labels": {"team": "web"},
            "summary": "{monitor} in {group} slow ({value} s) for {team}/{severity}, {other}",
            "description": "literal {{braces}} stay",
            "runbook": "https://runbooks.test/{{x}}",
        }
    )
    assert out["for"] == "1h30m"
    assert out["labels"] == {"severity": "critical", "team": "web"}
    assert out["annotations"] == {
        "summary": '{{ $labels.monitor }} in {{ $labels.group }} slow ({{ $value | printf "%.4g" }}'
        " s) for web/critical, {other}",
        "description": "literal {braces} stay",  # Warden's format: {{ is one {
        "runbook_url": 'https://runbooks.test/{{ "{{" }}x{{ "}}" }}',
    }


def test_user_rules_replace_builtin_ones_and_slos_are_listed() -> None:
    cfg = make_config(
        {"name": "MonitorDown", "enabled": False, "state": {}},
        alerting={"builtin_rules": True},
        slos=[{"name": "api", "monitors": ["api-1"], "objective": 99.9}],
    )
    got = export_rules(cfg)
    names = [r["alert"] for r in got.rules]
    assert "MonitorDown" not in names
    assert {"SlowResponses", "CertificateExpiresIn7d"} <= set(names)
    skipped = {s.rule: s.reason for s in got.skipped}
    assert "SLOErrorBudgetBurn (slo api)" in skipped
    assert "HostHighCpu" in names  # over the samples /metrics exports
    assert "db retry before the state turns down" in skipped["HighErrorRate"]


@pytest.mark.parametrize(
    ("glob", "regex"),
    [
        ("api", "api"),
        ("api-*", "api\\-.*"),
        ("a?.b", "a.\\.b"),
        ("[!x]y", "[^x]y"),
        ("[ab", "\\[ab"),
    ],
)
def test_glob_regex(glob: str, regex: str) -> None:
    assert glob_regex(glob) == regex


@pytest.mark.parametrize(
    ("seconds", "text"), [(60, "1m"), (5400, "1h30m"), (90000, "1d1h"), (0.25, "250ms"), (0, "0s")]
)
def test_prom_duration(seconds: float, text: str) -> None:
    assert prom_duration(seconds) == text


def _promtool(*args: str, cwd: Path) -> str:
    assert PROMTOOL is not None
    done = subprocess.run(
        [PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@needs_promtool
def test_promtool_accepts_the_example_and_every_kind(tmp_path: Path) -> None:
    example = tmp_path / "example.yml"
    example.write_text(export_rules(load_config(EXAMPLE)).yaml(), encoding="utf-8")
    every = [{"name": f"R{i}", **rule} for i, (rule, _) in enumerate(TRANSLATED)]
    kinds = tmp_path / "kinds.yml"
    got = export_rules(make_config(*every))
    assert len(got.rules) == len(TRANSLATED)
    kinds.write_text(got.yaml(), encoding="utf-8")
    out = _promtool("check", "rules", "example.yml", "kinds.yml", cwd=tmp_path)
    assert f"SUCCESS: {len(TRANSLATED)} rules found" in out


@needs_promtool
def test_promtool_evaluates_the_rules_as_warden_would(tmp_path: Path) -> None:
    """Series as Warden's /metrics shows them; the alerts fire with Warden's labels."""
    cfg = make_config(
        {"name": "ShopDown", "state": {"monitors": ["api-*"]}, "for": "2m",
         "severity": "critical", "summary": "{monitor} ({group}) is down"},
        {"name": "ShopSlow", "check": {"group": "shop", "agg": "max", "window": "2m",
                                       "threshold": 1}, "summary": "{monitor} took {value} s"},
        {"name": "CertSoon", "check": {"value": "cert_days_left", "agg": "last", "window": "1d",
                                       "op": "<", "threshold": 7}},
    )  # fmt: skip
    (tmp_path / "rules.yml").write_text(export_rules(cfg).yaml(), encoding="utf-8")
    target = 'job="warden", instance="w:8080"'
    up = "warden_monitor_up{{monitor={m!r}, group={g!r}, type='command', {t}}}"
    lat = "warden_monitor_latency_seconds{{monitor={m!r}, {t}}}"
    cert = "warden_monitor_cert_expiry_timestamp_seconds{{monitor={m!r}, {t}}}"
    series = [
        {"series": up.format(m="api-1", g="shop", t=target), "values": "1 0 0 0 0 0"},
        {"series": up.format(m="api-2", g="shop", t=target), "values": "1 1 1 1 1 1"},
        {"series": up.format(m="db", g="data", t=target), "values": "0 0 0 0 0 0"},
        {"series": lat.format(m="api-2", t=target), "values": "0.1 0.1 0.1 2.5 0.1 0.1"},
        {"series": lat.format(m="db", t=target), "values": "5 5 5 5 5 5"},
        # expires 3 days after the start of the test (time() is 0 there)
        {"series": cert.format(m="api-1", t=target), "values": "259200x5"},
    ]
    labels = {"job": "warden", "instance": "w:8080", "type": "command"}
    tests = {
        "rule_files": ["rules.yml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": series,
                "alert_rule_test": [
                    {"eval_time": "2m", "alertname": "ShopDown", "exp_alerts": []},
                    {
                        "eval_time": "3m",
                        "alertname": "ShopDown",
                        "exp_alerts": [
                            {
                                "exp_labels": {
                                    **labels, "monitor": "api-1", "group": "shop",
                                    "severity": "critical",
                                },
                                "exp_annotations": {"summary": "api-1 (shop) is down"},
                            }
                        ],
                    },
                    {
                        "eval_time": "4m",
                        "alertname": "ShopSlow",
                        "exp_alerts": [
                            {
                                "exp_labels": {
                                    **labels, "monitor": "api-2", "group": "shop",
                                    "severity": "high",
                                },
                                "exp_annotations": {"summary": "api-2 took 2.5 s"},
                            }
                        ],
                    },
                    {"eval_time": "1m", "alertname": "ShopSlow", "exp_alerts": []},
                    {
                        "eval_time": "5m",
                        "alertname": "CertSoon",
                        "exp_alerts": [
                            {
                                "exp_labels": {
                                    **labels, "monitor": "api-1", "group": "shop",
                                    "severity": "high",
                                },
                                "exp_annotations": {"summary": "CertSoon on api-1"},
                            }
                        ],
                    },
                ],
            }
        ],
    }  # fmt: skip
    (tmp_path / "tests.yml").write_text(yaml.safe_dump(tests), encoding="utf-8")
    _promtool("test", "rules", "tests.yml", cwd=tmp_path)


def test_cli_writes_the_file_and_lists_what_it_skipped(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "warden.rules.yml"
    res = runner.invoke(
        app, ["alerts", "export-rules", "-c", str(EXAMPLE), "-o", str(out), "--json"]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["schema"] == "warden.prometheus_rules/v1"
    assert doc["file"] == str(out)
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["groups"] == doc["groups"]
    assert doc["groups"][0]["rules"][0]["alert"] == "MonitorDown"
    assert "MonitorFlapping" in [s["rule"] for s in doc["skipped"]]

    plain = runner.invoke(app, ["alerts", "export-rules", "-c", str(EXAMPLE)])
    assert plain.exit_code == 0
    assert yaml.safe_load(plain.stdout)["groups"] == doc["groups"]
    assert "skipped MonitorFlapping: flapping counts" in plain.stderr
