"""The elasticsearch and opensearch probes against a local HTTP server that answers
``GET /_cluster/health`` in the documented shape (neither server can be installed here)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pydantic
import pytest

from tests.conftest import free_port
from tests.probes._fake_http import FakeApi, fake_api
from warden.probes import ProbeDeps
from warden.probes.elasticsearch import ElasticsearchConfig, ElasticsearchProbe
from warden.probes.opensearch import OpensearchConfig, OpensearchProbe
from warden.results import CheckResult, ErrorClass, Status

PROBES = {"elasticsearch": ElasticsearchProbe, "opensearch": OpensearchProbe}
BASIC = "Basic " + base64.b64encode(b"monitor:es-secret-1").decode()


def health(status: str, nodes: int = 3, unassigned: int = 0) -> dict[str, Any]:
    """A cluster health answer with the fields both products document."""
    return {
        "cluster_name": "search-prod",
        "status": status,
        "timed_out": False,
        "number_of_nodes": nodes,
        "number_of_data_nodes": nodes,
        "active_primary_shards": 10,
        "active_shards": 20 - unassigned,
        "relocating_shards": 0,
        "initializing_shards": 0,
        "unassigned_shards": unassigned,
        "delayed_unassigned_shards": 0,
        "number_of_pending_tasks": 0,
        "number_of_in_flight_fetch": 0,
        "task_max_waiting_in_queue_millis": 0,
        "active_shards_percent_as_number": (20 - unassigned) / 20 * 100,
    }


@pytest.fixture
def api() -> Iterator[FakeApi]:
    with fake_api() as a:
        yield a


async def run(kind: str, config: dict[str, Any], timeout: float = 5.0) -> CheckResult:
    cls = PROBES[kind]
    return await cls(
        "search", cls.config_model.model_validate(config), timeout, ProbeDeps()
    ).check()  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", sorted(PROBES))
@pytest.mark.parametrize(
    ("body", "settings", "status", "error", "needle"),
    [
        (health("green"), {}, Status.UP, "", "cluster 'search-prod' green: 3 nodes"),
        (health("yellow", 1, 5), {}, Status.DEGRADED, "assertion", "5 unassigned"),
        (health("yellow", 1, 5), {"yellow": "up"}, Status.UP, "", "yellow"),
        (health("yellow", 1, 5), {"yellow": "down"}, Status.DOWN, "assertion", "yellow"),
        (health("red", 2, 10), {}, Status.DOWN, "assertion", "red: 2 nodes"),
        (health("green", 2), {"min_nodes": 3}, Status.DEGRADED, "assertion", "fewer than 3"),
        (health("yellow", 1, 5), {"yellow": "up", "max_unassigned_shards": 2},
         Status.DEGRADED, "assertion", "more than 2 unassigned"),
        ({"status": "purple"}, {}, Status.DOWN, "protocol", "not a"),
        ("<html>proxy</html>", {}, Status.DOWN, "protocol", "not a"),
    ],
)  # fmt: skip
async def test_cluster_health(
    api: FakeApi,
    kind: str,
    body: Any,
    settings: dict[str, Any],
    status: Status,
    error: str,
    needle: str,
) -> None:
    api.answer("/_cluster/health", 200, body)
    result = await run(kind, {"url": api.url, **settings})
    assert result.status is status, result.message
    assert result.error == error
    assert needle in result.message
    assert {"connect", "ttfb"} <= set(result.phases)
    if isinstance(body, dict) and "number_of_nodes" in body:
        assert result.metrics["status"] == ["green", "yellow", "red"].index(body["status"])
        assert result.metrics["unassigned_shards"] == body["unassigned_shards"]
        assert result.metrics["nodes"] == body["number_of_nodes"]


@pytest.mark.parametrize("kind", sorted(PROBES))
@pytest.mark.parametrize(
    ("password", "status", "error", "needle"),
    [
        ("es-secret-1", Status.UP, "", "green"),
        ("wrong", Status.DOWN, "auth", "HTTP 401: missing authentication credentials"),
        (None, Status.DOWN, "auth", "HTTP 401"),
    ],
)
async def test_basic_auth(
    api: FakeApi, kind: str, password: str | None, status: Status, error: str, needle: str
) -> None:
    api.answer("/_cluster/health", 200, health("green"), authorization=BASIC)
    config: dict[str, Any] = {"url": api.url}
    if password is not None:
        config |= {"username": "monitor", "password": password}
    result = await run(kind, config)
    assert result.status is status, result.message
    assert result.error == error
    assert needle in result.message
    assert "es-secret-1" not in result.message


async def test_api_key(api: FakeApi) -> None:
    api.answer("/_cluster/health", 200, health("green"), authorization="ApiKey a2V5OnNlY3JldA==")
    result = await run("elasticsearch", {"url": api.url + "/", "api_key": "a2V5OnNlY3JldA=="})
    assert result.status is Status.UP, result.message
    assert api.seen[-1]["Accept"] == "application/json"


@pytest.mark.parametrize(
    ("status", "body", "error", "needle"),
    [
        (503, {"error": {"type": "master_not_discovered_exception"}, "status": 503},
         "http_status", "HTTP 503: master_not_discovered_exception"),
        (403, {"error": {"type": "security_exception", "reason": "action denied"}},
         "auth", "HTTP 403: action denied"),
        (502, "Bad Gateway", "http_status", "HTTP 502: Bad Gateway"),
    ],
)  # fmt: skip
async def test_error_answers(api: FakeApi, status: int, body: Any, error: str, needle: str) -> None:
    api.answer("/_cluster/health", status, body)
    result = await run("elasticsearch", {"url": api.url})
    assert result.status is Status.DOWN
    assert result.error == error
    assert needle in result.message


async def test_refused() -> None:
    result = await run("opensearch", {"url": f"http://127.0.0.1:{free_port()}"})
    assert result.error is ErrorClass.REFUSED, result.message


async def test_silent_server_times_out(silent_port: int) -> None:
    result = await run("elasticsearch", {"url": f"http://127.0.0.1:{silent_port}"}, timeout=0.5)
    assert result.error is ErrorClass.TIMEOUT
    assert "during ttfb" in result.message


@pytest.mark.parametrize(
    ("config", "complaint"),
    [
        ({"url": "ftp://h:9200"}, "http:// or https://"),
        ({"url": "http://h:9200", "username": "u"}, "username and password together"),
        ({"url": "http://h:9200", "username": "u", "password": "p", "api_key": "k"}, "not both"),
        ({"url": "http://h:9200", "yellow": "fine"}, "'up', 'degraded' or 'down'"),
    ],
)
def test_config_errors(config: dict[str, Any], complaint: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=complaint):
        ElasticsearchConfig.model_validate(config)


def test_opensearch_has_no_api_key() -> None:
    with pytest.raises(pydantic.ValidationError, match="api_key"):
        OpensearchConfig.model_validate({"url": "http://h:9200", "api_key": "k"})
