"""``metric`` rules (host, service and backup samples) exported over the ``warden_<series>``
families /metrics now carries; checked and evaluated by ``promtool``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.alerting.test_prometheus_rules import _promtool, make_config, needs_promtool, only
from warden.alerting.builtin import builtin_rules
from warden.alerting.prometheus_rules import export_rules, sample_label_name, sample_metric_name

TRANSLATED = [
    ({"metric": {"series": "host_cpu_percent", "labels": {"cpu": "total"}, "window": "1m",
                 "threshold": 70}},
     '(avg_over_time(warden_host_cpu_percent{cpu="total"}[1m])) > 70.0'),
    ({"metric": {"series": "rabbitmq_queue_messages", "labels": {"vhost/name": "/"},
                 "agg": "last", "op": ">=", "threshold": 10}},
     '(last_over_time(warden_rabbitmq_queue_messages{vhost_name="/"}[5m])) >= 10.0'),
    ({"metric": {"series": "redis_memory_used_percent", "agg": "p95", "window": "10m",
                 "threshold": 90}},
     "(quantile_over_time(0.95, warden_redis_memory_used_percent[10m])) > 90.0"),
    ({"metric": {"series": "host_disk_free_bytes", "agg": "forecast", "window": "1h",
                 "horizon": "4h", "op": "<", "threshold": 0}},
     "(predict_linear(warden_host_disk_free_bytes[1h], 14400.0)) < 0.0"
     " and count_over_time(warden_host_disk_free_bytes[30m] offset 30m) > 0"),
    ({"metric": {"series": "host_disk_free_bytes", "agg": "forecast", "window": "1h",
                 "min_history": "0s", "op": "<", "threshold": 0}},
     "(predict_linear(warden_host_disk_free_bytes[1h], 86400.0)) < 0.0"),
    ({"metric": {"series": "backup_age_seconds", "agg": "ratio", "over": "backup_rpo_seconds",
                 "window": "1d", "threshold": 1}},
     "(last_over_time(warden_backup_age_seconds[1d])"
     " / (last_over_time(warden_backup_rpo_seconds[1d]) != 0)) > 1.0"),
    ({"metric": {"series": "warden_collector_up", "agg": "max", "window": "2m", "op": "<",
                 "threshold": 1}},
     "(max_over_time(warden_collector_up[2m])) < 1.0"),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "expr"), TRANSLATED)
def test_metric_rules_translate(rule: dict[str, Any], expr: str) -> None:
    assert only(rule)["expr"] == expr


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        ({"series": "x", "agg": "sum", "threshold": 1}, "agg sum counts every sample once"),
        ({"series": "x", "agg": "count", "threshold": 1}, "agg count counts every sample"),
        ({"series": "x", "agg": "ratio", "threshold": 1}, "ratio without over"),
        ({"series": "x", "agg": "forecast", "window": "1h", "min_history": "2h", "threshold": 1},
         "never judges it"),
    ],
)  # fmt: skip
def test_untranslatable_metric_rules(rule: dict[str, Any], reason: str) -> None:
    got = export_rules(make_config({"name": "R", "metric": rule}))
    assert got.rules == []
    assert reason in got.skipped[0].reason


def test_names_follow_prometheus_rules() -> None:
    assert sample_metric_name("host_cpu_percent") == "warden_host_cpu_percent"
    assert sample_metric_name("warden_collector_up") == "warden_collector_up"
    assert sample_metric_name("app.requests-total") == "warden_app_requests_total"
    assert sample_label_name("vhost/name") == "vhost_name"
    assert sample_label_name("1st") == "_1st"
    assert sample_label_name("__x") == "exported__x"


def test_summary_labels_come_from_the_series() -> None:
    out = only(
        {
            "metric": {"series": "rabbitmq_queue_messages", "agg": "last", "threshold": 1},
            "summary": "queue {queue} of {vhost} holds {value}",
        }
    )
    assert out["annotations"]["summary"] == (
        'queue {{ $labels.queue }} of {{ $labels.vhost }} holds {{ $value | printf "%.4g" }}'
    )


def test_the_builtin_pack_translates_but_flapping() -> None:
    got = export_rules(make_config(alerting={"builtin_rules": True}))
    skipped = {s.rule for s in got.skipped}
    # HighErrorRate: monitor db of make_config retries (its state is not each check's)
    assert skipped == {"MonitorFlapping", "HighErrorRate"}
    assert len(got.rules) == len(builtin_rules()) - 2


@needs_promtool
def test_promtool_checks_and_evaluates_metric_rules(tmp_path: Path) -> None:
    """Series as /metrics exports them; the alerts fire as Warden's would."""
    got = export_rules(make_config(alerting={"builtin_rules": True}))
    (tmp_path / "rules.yml").write_text(got.yaml(), encoding="utf-8")
    out = _promtool("check", "rules", "rules.yml", cwd=tmp_path)
    assert f"SUCCESS: {len(got.rules)} rules found" in out
    t = 'job="warden", instance="w:8080"'
    series = [
        {"series": f'warden_rabbitmq_queue_messages{{queue="orders", {t}}}',
         "values": "10 2000x20"},
        {"series": f'warden_rabbitmq_queue_messages{{queue="mail", {t}}}', "values": "5x20"},
        {"series": f'warden_backup_age_seconds{{backup="db", {t}}}', "values": "7200x20"},
        {"series": f'warden_backup_rpo_seconds{{backup="db", {t}}}', "values": "3600x20"},
        {"series": f'warden_backup_age_seconds{{backup="files", {t}}}', "values": "60x20"},
        {"series": f'warden_backup_rpo_seconds{{backup="files", {t}}}', "values": "3600x20"},
        # the capacity job's forecast: full in 30 h, then (from minute 21) in 3 h
        {"series": f'warden_capacity_hours_to_full{{kind="disk", level="100", mount="/", '
                   f'host="web", {t}}}', "values": "30x20 3x70"},
    ]  # fmt: skip
    base = {"job": "warden", "instance": "w:8080"}
    tests = {
        "rule_files": ["rules.yml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": series,
                "alert_rule_test": [
                    {"eval_time": "10m", "alertname": "QueueBacklog", "exp_alerts": []},
                    {
                        "eval_time": "12m",
                        "alertname": "QueueBacklog",
                        "exp_alerts": [
                            {
                                "exp_labels": {**base, "queue": "orders", "severity": "medium"},
                                "exp_annotations": {
                                    "summary": "queue orders holds more than 1,000 messages (2000)",
                                    "runbook_url": "/runbooks/queue-backlog",
                                },
                            }
                        ],
                    },
                    {
                        "eval_time": "1m",
                        "alertname": "BackupOlderThanRpo",
                        "exp_alerts": [
                            {
                                "exp_labels": {**base, "backup": "db", "severity": "high"},
                                "exp_annotations": {
                                    "summary": "newest backup of db is older than its RPO "
                                    "(2x the RPO)",
                                    "runbook_url": "/runbooks/backup",
                                },
                            }
                        ],
                    },
                    # under 4 h since minute 21: pending for 10 minutes first
                    {"eval_time": "29m", "alertname": "DiskFullIn4h", "exp_alerts": []},
                    {
                        "eval_time": "45m",
                        "alertname": "DiskFullIn4h",
                        "exp_alerts": [
                            {
                                "exp_labels": {
                                    **base,
                                    "mount": "/",
                                    "host": "web",
                                    "kind": "disk",
                                    "level": "100",
                                    "severity": "high",
                                },
                                "exp_annotations": {
                                    "summary": "disk / of web will be full in about 3 h",
                                    "runbook_url": "/runbooks/disk-full",
                                },
                            }
                        ],
                    },
                ],
            }
        ],
    }
    (tmp_path / "tests.yml").write_text(yaml.safe_dump(tests), encoding="utf-8")
    _promtool("test", "rules", "tests.yml", cwd=tmp_path)
