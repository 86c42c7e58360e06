"""What the deploy commands measure: a service's monitors, its failing share of requests (the
access log or scraped request series) and of checks, and the check latencies of a selection.

A monitor belongs to service S when its ``service`` label is S, its group is S, or its name
is S. Request counts are exact sums of the stored per-route increases
(``http_route_requests_increase``, ``http_route_server_errors_increase``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from warden.results import Status
from warden.store.sql import SqlStore
from warden.traffic.interval import ERRORS, REQUESTS

MIN_REQUESTS = 20
"""Fewer requests than this in a window say nothing about an error rate: checks decide."""


def service_monitors(config: Any, service: str) -> list[str]:
    return [m.name for m in config.monitors if m.enabled and (
        m.labels.get("service") == service or service in (m.group, m.name))]  # fmt: skip


def parse_selector(text: str) -> dict[str, str]:
    """``monitor=api-canary,version=v2`` (or a bare monitor name) -> labels to match."""
    out: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep:
            key, value = "monitor", part
        if not key.strip() or not value.strip():
            raise ValueError(f"selector {text!r}: write KEY=VALUE[,KEY=VALUE] or a monitor name")
        out[key.strip()] = value.strip().strip('"')
    if not out:
        raise ValueError("an empty selector")
    return out


def selected_monitors(config: Any, selector: Mapping[str, str]) -> list[str]:
    """Monitors matching every key: ``monitor`` (name), ``group``, ``service`` or a label."""

    def ok(m: Any) -> bool:
        for key, value in selector.items():
            got = {"monitor": m.name, "group": m.group}.get(key, m.labels.get(key))
            if key == "service" and got is None:
                got = m.group if m.group == value else m.name
            if got != value:
                return False
        return True

    return [m.name for m in config.monitors if m.enabled and ok(m)]


def check_outcomes(store: SqlStore, monitors: Sequence[str], since: float,
                   until: float) -> tuple[list[float], int, int]:  # fmt: skip
    """Latencies of the checks that answered, and (failed, total) check counts."""
    latencies: list[float] = []
    failed = total = 0
    for name in monitors:
        for r in store.results(name, since, until):
            total += 1
            if r.status is Status.DOWN:
                failed += 1
            else:
                latencies.append(r.latency)
    return latencies, failed, total


def request_counts(store: SqlStore, labels: Mapping[str, str], since: float,
                   until: float) -> tuple[float, float]:  # fmt: skip
    """(server errors, requests) of the request history matching ``labels``."""
    requests = sum(s.total for s in store.sample_sums(REQUESTS, since, until, dict(labels)))
    errors = sum(s.total for s in store.sample_sums(ERRORS, since, until, dict(labels)))
    return errors, requests


def failing_share(store: SqlStore, config: Any, service: str, since: float,
                  until: float) -> dict[str, Any]:  # fmt: skip
    """The service's failing share: of requests when there were enough, else of checks."""
    errors, requests = request_counts(store, {"service": service}, since, until)
    _, failed, total = check_outcomes(store, service_monitors(config, service), since, until)
    if requests >= MIN_REQUESTS:
        rate, basis = errors / requests, "requests"
    elif total:
        rate, basis = failed / total, "checks"
    else:
        rate, basis = None, "no data"
    return {"rate": rate, "basis": basis, "requests": requests, "server_errors": errors,
            "checks": total, "failed_checks": failed}  # fmt: skip
