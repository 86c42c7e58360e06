"""What belongs to a monitor's target: endpoints parsed from URLs (never their secrets), the
weight of each stored series and of each deploy marker."""

from __future__ import annotations

import socket

import pytest

from warden.config.schema import build_model
from warden.diagnose.scope import endpoint, scope_of


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("postgresql://app:s3cret@DB.internal/shop", ("db.internal:5432", "shop")),
        ("postgresql://app@localhost:6543/shop?sslmode=require", ("127.0.0.1:6543", "shop")),
        ("mysql://root@127.0.0.1/app", ("127.0.0.1:3306", "app")),
        ("redis://:pw@[::1]:6380/0", ("127.0.0.1:6380", "")),
        ("https://api.example.com/health?token=x", ("api.example.com:443", "")),
        ("tls://example.com:8443", ("example.com:8443", "")),
        ("db.internal:5433", ("db.internal:5433", "")),
        ("http://bad:port/", ("", "")),
        ("", ("", "")),
    ],
)
def test_endpoints(text: str, want: tuple[str, str]) -> None:
    assert endpoint(text) == want


CONFIG = {
    "monitors": [
        {"name": "orders-db", "postgres": {"url": "postgresql://app:pw@127.0.0.1/shop"}},
        {"name": "api", "labels": {"service": "shop"}, "http": {"url": "https://shop.test/"}},
        {"name": "bare", "tcp": {"host": "127.0.0.1", "port": 9}},
    ],
    "collectors": [
        {"name": "pg-local", "postgres": {"url": "postgresql://warden@localhost:5432/shop"}},
        {"name": "pg-other", "postgres": {"url": "postgresql://warden@10.0.0.9/shop"}},
        {"name": "cache", "redis": {"url": "redis://127.0.0.1:6379/0"}},
    ],
}


@pytest.mark.parametrize(
    ("monitor", "series", "labels", "weight", "where"),
    [
        ("orders-db", "postgres_connections_percent", {"collector": "pg-local"}, 1.0,
         "the target's server"),
        ("orders-db", "postgres_connections_percent", {"collector": "pg-other"}, 0.5,
         "another server (pg-other)"),
        ("orders-db", "postgres_database_connections",
         {"collector": "pg-local", "database": "billing"}, 0.5,
         "another database on the target's server (billing)"),
        ("orders-db", "redis_clients_percent", {"collector": "cache"}, 1.0,
         "a possible backend (cache)"),
        ("api", "postgres_connections_percent", {"collector": "pg-other"}, 1.0,
         "a possible backend (pg-other)"),
        ("api", "postgres_connections_percent", {"collector": "gone"}, 1.0, "collector gone"),
        ("api", "host_cpu_percent", {"cpu": "total"}, 1.0, "host-wide"),
        ("api", "host_cpu_percent", {"host": "shop"}, 1.0, "the target's host"),
        ("api", "host_cpu_percent", {"host": "build-7"}, 1.0, "host build-7"),
        ("bare", "host_cpu_percent", {"host": socket.gethostname()}, 1.0, "the target's host"),
        ("bare", "host_cpu_percent", {"host": "127"}, 1.0, "host 127"),
    ],
)  # fmt: skip
def test_series_weights(monitor: str, series: str, labels: dict[str, str], weight: float,
                        where: str) -> None:  # fmt: skip
    cfg = build_model().model_validate(CONFIG)
    scope = scope_of(cfg, cfg.monitor(monitor))
    assert scope.weigh(series, labels) == (weight, where)


@pytest.mark.parametrize(
    ("monitor", "service", "kind", "weight"),
    [
        ("api", "shop", "deploy", 1.0),  # its service label
        ("api", "billing", "deploy", 0.5),  # it names its service: another one
        ("bare", "bare", "deploy", 1.0),  # its name
        ("bare", "billing", "deploy", 0.8),  # nothing tells
        ("api", "warden", "config_reload", 1.0),
    ],
)
def test_marker_weights(monitor: str, service: str, kind: str, weight: float) -> None:
    cfg = build_model().model_validate(CONFIG)
    assert scope_of(cfg, cfg.monitor(monitor)).marker_weight(service, kind)[0] == weight


def test_no_secret_reaches_the_scope() -> None:
    cfg = build_model().model_validate(CONFIG)
    assert "pw" not in repr(scope_of(cfg, cfg.monitor("orders-db")))
