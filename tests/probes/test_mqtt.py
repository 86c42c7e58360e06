"""The mqtt probe against the machine's Mosquitto (127.0.0.1:1883, anonymous) and a Mosquitto
this module starts with a password file and an ACL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pydantic
import pytest

from tests.conftest import free_port
from tests.probes._servers import mosquitto
from warden.probes import ProbeDeps
from warden.probes.mqtt import MqttConfig, MqttProbe, classify
from warden.results import CheckResult, ErrorClass, Status

BROKER = "mqtt://127.0.0.1:1883"
LOGIN = ("monitor", "mqtt-secret-7")


@pytest.fixture(scope="module")
def locked() -> Iterator[int]:
    with mosquitto(LOGIN) as port:
        yield port


async def run(config: dict[str, Any], timeout: float = 5.0) -> CheckResult:
    return await MqttProbe("mq", MqttConfig.model_validate(config), timeout, ProbeDeps()).check()


@pytest.mark.integration
@pytest.mark.parametrize(
    "settings", [{}, {"qos": 0}, {"qos": 2}, {"topic": "apps/warden/", "client_id": "mon"}]
)
async def test_round_trip(settings: dict[str, Any]) -> None:
    result = await run({"url": BROKER, **settings})
    assert result.status is Status.UP, result.message
    assert result.message.startswith("published and received on ")
    assert set(result.phases) == {"connect", "subscribe", "roundtrip"}
    assert result.metrics["roundtrip_seconds"] >= 0


@pytest.mark.integration
@pytest.mark.parametrize(
    ("url", "password", "topic", "status", "error"),
    [
        ("mqtt://monitor@127.0.0.1:{p}", LOGIN[1], "warden/probe", Status.UP, ""),
        ("mqtt://monitor:{pw}@127.0.0.1:{p}", None, "warden/probe", Status.UP, ""),
        ("mqtt://monitor@127.0.0.1:{p}", "wrong", "warden/probe", Status.DOWN, "auth"),
        ("mqtt://127.0.0.1:{p}", None, "warden/probe", Status.DOWN, "auth"),
    ],
)
async def test_logins_and_acl(
    locked: int, url: str, password: str | None, topic: str, status: Status, error: str
) -> None:
    config: dict[str, Any] = {"url": url.format(p=locked, pw=LOGIN[1]), "topic": topic}
    if password is not None:
        config["password"] = password
    result = await run(config)
    assert result.status is status, result.message
    assert result.error == error
    assert LOGIN[1] not in result.message


@pytest.mark.integration
async def test_a_topic_the_acl_forbids_never_comes_back(locked: int) -> None:
    """MQTT 3.1.1 has no way to refuse a publish: the broker drops it, the check times out."""
    url = f"mqtt://monitor@127.0.0.1:{locked}"
    result = await run({"url": url, "password": LOGIN[1], "topic": "private"}, timeout=1.0)
    assert result.status is Status.DOWN
    assert result.error is ErrorClass.TIMEOUT
    assert "during roundtrip" in result.message


async def test_refused() -> None:
    result = await run({"url": f"mqtt://127.0.0.1:{free_port()}"})
    assert result.status is Status.DOWN
    assert result.error is ErrorClass.REFUSED, result.message


async def test_silent_broker_times_out(silent_port: int) -> None:
    result = await run({"url": f"mqtt://127.0.0.1:{silent_port}"}, timeout=0.5)
    assert result.error is ErrorClass.TIMEOUT
    assert "during connect" in result.message


@pytest.mark.parametrize(
    ("config", "complaint"),
    [
        ({"url": "http://h:1883"}, "URL scheme must be one of mqtt, mqtts"),
        ({"url": BROKER, "topic": "a/+/b"}, "without wildcards"),
        ({"url": BROKER, "topic": "#"}, "without wildcards"),
        ({"url": BROKER, "qos": 3}, "Input should be 0, 1 or 2"),
    ],
)
def test_config_errors(config: dict[str, Any], complaint: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=complaint):
        MqttConfig.model_validate(config)


def test_address_and_target() -> None:
    cfg = MqttConfig.model_validate({"url": "mqtts://u:pw@broker.internal"})
    assert cfg.address() == ("broker.internal", 8883, True)
    assert cfg.target() == "mqtts://u:***@broker.internal"


def test_classify() -> None:
    import aiomqtt
    from aiomqtt.exceptions import MqttConnectError

    assert classify(MqttConnectError(5), "connect") is ErrorClass.AUTH
    assert classify(MqttConnectError(1), "connect") is ErrorClass.PROTOCOL
    assert classify(aiomqtt.MqttError("Operation timed out"), "connect") is ErrorClass.TIMEOUT
    assert classify(OSError("x"), "connect") is None
