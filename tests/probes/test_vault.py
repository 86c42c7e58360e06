"""The vault probe against a local HTTP server answering ``GET /v1/sys/health`` with the
status codes and body Vault documents (Vault itself cannot be installed here)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pydantic
import pytest

from tests.conftest import free_port
from tests.probes._fake_http import FakeApi, fake_api
from warden.probes import ProbeDeps
from warden.probes.vault import VaultConfig, VaultProbe
from warden.results import CheckResult, ErrorClass, Status


def body(**state: bool) -> dict[str, Any]:
    """A sys/health body; ``state`` overrides initialized, sealed, standby..."""
    return {
        "initialized": True,
        "sealed": False,
        "standby": False,
        "performance_standby": False,
        "replication_performance_mode": "disabled",
        "replication_dr_mode": "disabled",
        "server_time_utc": 1_700_000_000,
        "version": "1.15.2",
        "cluster_name": "vault-cluster-test",
        "cluster_id": "0f3c2b4e-test",
    } | state


@pytest.fixture
def api() -> Iterator[FakeApi]:
    with fake_api() as a:
        yield a


async def run(config: dict[str, Any], timeout: float = 5.0) -> CheckResult:
    return await VaultProbe(
        "vault", VaultConfig.model_validate(config), timeout, ProbeDeps()
    ).check()


@pytest.mark.parametrize(
    ("code", "reply", "settings", "status", "error", "needle"),
    [
        (200, body(), {}, Status.UP, "", "active (version 1.15.2, cluster vault-cluster-test)"),
        (429, body(standby=True), {}, Status.UP, "", "standby"),
        (429, body(standby=True), {"standby": "degraded"}, Status.DEGRADED, "assertion", "standby"),
        (473, body(standby=True, performance_standby=True), {}, Status.UP, "", "performance"),
        (472, body(), {"standby": "down"}, Status.DOWN, "assertion", "disaster-recovery"),
        (503, body(sealed=True), {}, Status.DOWN, "assertion", "sealed"),
        (
            501,
            body(initialized=False, sealed=True),
            {},
            Status.DOWN,
            "assertion",
            "not initialized",
        ),
        (530, body(), {}, Status.DOWN, "assertion", "removed from its cluster"),
        (500, {"errors": ["internal error"]}, {}, Status.DOWN, "http_status", "HTTP 500: internal"),
        (403, {"errors": ["permission denied"]}, {}, Status.DOWN, "auth", "permission denied"),
    ],
)
async def test_health(
    api: FakeApi,
    code: int,
    reply: Any,
    settings: dict[str, Any],
    status: Status,
    error: str,
    needle: str,
) -> None:
    api.answer("/v1/sys/health", code, reply)
    result = await run({"url": api.url, **settings})
    assert result.status is status, result.message
    assert result.error == error
    assert needle in result.message
    assert result.metrics.get("status_code", code) == code
    if "sealed" in reply:
        assert result.metrics["sealed"] == float(reply["sealed"])
        assert result.metrics["standby"] == float(reply["standby"])


async def test_a_body_that_is_not_json_still_reads_the_code(api: FakeApi) -> None:
    api.answer("/v1/sys/health", 503, "Vault is sealed")
    result = await run({"url": api.url})
    assert result.status is Status.DOWN
    assert result.message == "sealed"
    assert result.metrics == {"status_code": 503.0}


async def test_refused() -> None:
    result = await run({"url": f"http://127.0.0.1:{free_port()}"})
    assert result.error is ErrorClass.REFUSED, result.message


async def test_silent_server_times_out(silent_port: int) -> None:
    result = await run({"url": f"http://127.0.0.1:{silent_port}"}, timeout=0.5)
    assert result.error is ErrorClass.TIMEOUT


@pytest.mark.parametrize(
    ("config", "complaint"),
    [
        ({"url": "vault.internal:8200"}, "http:// or https://"),
        ({"url": "https://u:p@vault:8200"}, "must not contain credentials"),
        ({"url": "https://vault:8200", "standby": "fine"}, "'up', 'degraded' or 'down'"),
        ({"url": "https://vault:8200", "token": "x"}, "Extra inputs are not permitted"),
    ],
)
def test_config_errors(config: dict[str, Any], complaint: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=complaint):
        VaultConfig.model_validate(config)
