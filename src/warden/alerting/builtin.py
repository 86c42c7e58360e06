"""The built-in rule pack: thresholds a seasoned maintainer would set, on by default.

The "full soon" rules read the forecasts the ``capacity`` job stores (capacity/report.py):
they fire only once a forecast has enough history, and carry its range and a runbook.
A rule of ``alerts:`` with the same name replaces a built-in one; ``enabled: false`` on such a
rule turns it off; ``alerting: {builtin_rules: false}`` turns the whole pack off.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from warden.alerting.config import AlertRule

_RANGE = {
    "full_in_hours_earliest": "capacity_hours_to_full_earliest",
    "full_in_hours_latest": "capacity_hours_to_full_latest",
}
"""Annotations of the "full soon" rules: the 80 % range of the forecast (capacity/model.py)."""

_PACK: list[dict[str, Any]] = [
    {
        "name": "MonitorDown",
        "state": {},
        "for": "1m",
        "severity": "high",
        "summary": "{monitor} is down",
        "runbook": "/runbooks/monitor-down",
    },
    {
        "name": "MonitorFlapping",
        "flapping": {"changes": 6, "window": "30m"},
        "severity": "medium",
        "summary": "{monitor} is flapping ({value} up/down changes in 30 minutes)",
        "runbook": "/runbooks/flapping",
    },
    {
        "name": "HostHighCpu",
        "metric": {"series": "host_cpu_percent", "labels": {"cpu": "total"}, "agg": "avg",
                   "window": "1m", "op": ">", "threshold": 70},
        "for": "5m",
        "severity": "medium",
        "summary": "CPU of {host} above 70% for 5 minutes ({value}%)",
        "runbook": "/runbooks/high-cpu",
    },
    {
        "name": "HostMemoryHigh",
        "metric": {"series": "host_memory_used_percent", "agg": "avg", "window": "5m",
                   "op": ">", "threshold": 85},
        "for": "15m",
        "severity": "medium",
        "summary": "memory of {host} above 85% ({value}%)",
        "runbook": "/runbooks/memory",
    },
    {
        "name": "SlowResponses",
        "check": {"value": "latency", "agg": "p95", "window": "5m", "op": ">", "threshold": 1.0},
        "for": "5m",
        "severity": "medium",
        "summary": "p95 response time of {monitor} above 1 s ({value} s)",
        "runbook": "/runbooks/slow-responses",
    },
    {
        "name": "HighErrorRate",
        "check": {"value": "down", "agg": "ratio", "window": "1h", "op": ">", "threshold": 0.01},
        "for": "5m",
        "severity": "medium",
        "summary": "more than 1% of checks of {monitor} failed in the last hour ({value})",
        "runbook": "/runbooks/error-rate",
    },
    {
        "name": "QueueBacklog",
        "metric": {"series": "rabbitmq_queue_messages", "agg": "last", "window": "5m",
                   "op": ">", "threshold": 1000},
        "for": "10m",
        "severity": "medium",
        "summary": "queue {queue} holds more than 1,000 messages ({value})",
        "runbook": "/runbooks/queue-backlog",
    },
    {
        "name": "PostgresConnectionsHigh",
        "metric": {"series": "postgres_connections_percent", "agg": "last", "window": "5m",
                   "op": ">", "threshold": 80},
        "for": "5m",
        "severity": "high",
        "summary": "PostgreSQL uses more than 80% of max_connections ({value}%)",
        "runbook": "/runbooks/connection-exhaustion",
    },
    {
        "name": "MysqlConnectionsHigh",
        "metric": {"series": "mysql_connections_percent", "agg": "last", "window": "5m",
                   "op": ">", "threshold": 80},
        "for": "5m",
        "severity": "high",
        "summary": "MySQL uses more than 80% of max_connections ({value}%)",
        "runbook": "/runbooks/connection-exhaustion",
    },
    {
        "name": "DiskFullIn24h",
        "metric": {"series": "capacity_hours_to_full", "labels": {"kind": "disk", "level": "100"},
                   "agg": "last", "window": "15m", "op": "<", "threshold": 24,
                   "annotate": _RANGE},
        "for": "30m",
        "severity": "medium",
        "summary": "disk {mount} of {host} will be full in about {value} h",
        "runbook": "/runbooks/disk-full",
    },
    {
        "name": "DiskFullIn4h",
        "metric": {"series": "capacity_hours_to_full", "labels": {"kind": "disk", "level": "100"},
                   "agg": "last", "window": "15m", "op": "<", "threshold": 4,
                   "annotate": _RANGE},
        "for": "10m",
        "severity": "high",
        "summary": "disk {mount} of {host} will be full in about {value} h",
        "runbook": "/runbooks/disk-full",
    },
    {
        "name": "CertificateExpiresIn21d",
        "check": {"value": "cert_days_left", "agg": "last", "window": "1d", "op": "<",
                  "threshold": 21},
        "severity": "medium",
        "summary": "TLS certificate of {monitor} expires in {value} days",
        "runbook": "/runbooks/certificate-expiry",
    },
    {
        "name": "CertificateExpiresIn7d",
        "check": {"value": "cert_days_left", "agg": "last", "window": "1d", "op": "<",
                  "threshold": 7},
        "severity": "high",
        "summary": "TLS certificate of {monitor} expires in {value} days",
        "runbook": "/runbooks/certificate-expiry",
    },
    {
        "name": "BackupOlderThanRpo",
        "metric": {"series": "backup_age_seconds", "agg": "ratio", "over": "backup_rpo_seconds",
                   "window": "1d", "op": ">", "threshold": 1},
        "severity": "high",
        "summary": "newest backup of {backup} is older than its RPO ({value}x the RPO)",
        "runbook": "/runbooks/backup",
    },
    {
        "name": "BackupFailed",
        "metric": {"series": "backup_last_run_failed", "agg": "last", "window": "1d",
                   "op": ">", "threshold": 0},
        "severity": "medium",
        "summary": "the last backup run of {backup} failed",
        "runbook": "/runbooks/backup",
    },
    {
        "name": "WalArchiveFailing",
        "metric": {"series": "backup_wal_archive_failing", "agg": "last", "window": "15m",
                   "op": ">", "threshold": 0},
        "for": "5m",
        "severity": "high",
        "summary": "WAL archiving of {backup} fails: point-in-time recovery stops at the last "
                   "archived segment",
        "runbook": "/runbooks/backup",
    },
    {
        "name": "TrafficErrorRateHigh",
        "metric": {"series": "http_error_ratio", "agg": "avg", "window": "5m",
                   "op": ">", "threshold": 0.01},
        "for": "5m",
        "severity": "high",
        "summary": "{service} answers more than 1% of requests with a server error ({value})",
        "runbook": "/runbooks/error-rate",
    },
    {
        "name": "TrafficSlow",
        "metric": {"series": "http_request_duration_seconds_p95", "agg": "avg", "window": "5m",
                   "op": ">", "threshold": 1},
        "for": "10m",
        "severity": "medium",
        "summary": "p95 response time of {service} is above 1 s ({value} s)",
        "runbook": "/runbooks/slow-responses",
    },
    {
        "name": "CostAnomaly",
        "metric": {"series": "cost_anomaly", "agg": "last", "window": "1d",
                   "op": ">", "threshold": 0},
        "severity": "medium",
        "summary": "daily spend of {service} is {value} {currency} above its expected spend",
        "runbook": "/runbooks/cost-anomaly",
    },
]  # fmt: skip


def builtin_rules() -> list[AlertRule]:
    return [AlertRule.model_validate(r) for r in _PACK]


def effective_rules(own: Sequence[AlertRule], builtin: bool) -> list[AlertRule]:
    """The enabled rules of ``alerts:``, then the built-in ones no rule of that name replaces."""
    names = {r.name for r in own}
    rules = [r for r in own if r.enabled]
    if builtin:
        rules += [r for r in builtin_rules() if r.name not in names]
    return rules
