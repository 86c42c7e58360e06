"""The sqs probe against moto's server on loopback (SQS and CloudWatch, IAM enforced)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import boto3
import pydantic
import pytest

from tests.conftest import free_port
from tests.probes._servers import Moto, moto_server
from warden.probes import ProbeDeps
from warden.probes.sqs import SqsConfig, SqsProbe
from warden.results import CheckResult, ErrorClass, Status

BUSY, IDLE = "warden-busy", "warden-idle"


def client(moto: Moto, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=moto.endpoint,
        region_name="us-east-1",
        aws_access_key_id=moto.key[0],
        aws_secret_access_key=moto.key[1],
    )


@pytest.fixture(scope="module")
def moto() -> Iterator[Moto]:
    """Queue BUSY holds 3 visible messages, 1 in flight and 1 delayed, and CloudWatch has an
    age of 42 s for it; IDLE is empty."""
    with moto_server() as m:
        sqs, cloudwatch = client(m, "sqs"), client(m, "cloudwatch")
        busy = sqs.create_queue(QueueName=BUSY)["QueueUrl"]
        sqs.create_queue(QueueName=IDLE)
        for n in range(4):
            sqs.send_message(QueueUrl=busy, MessageBody=f"job {n}")
        sqs.receive_message(QueueUrl=busy, MaxNumberOfMessages=1, VisibilityTimeout=600)
        sqs.send_message(QueueUrl=busy, MessageBody="later", DelaySeconds=600)
        cloudwatch.put_metric_data(
            Namespace="AWS/SQS",
            MetricData=[
                {
                    "MetricName": "ApproximateAgeOfOldestMessage",
                    "Dimensions": [{"Name": "QueueName", "Value": BUSY}],
                    "Timestamp": dt.datetime.now(dt.UTC),
                    "Value": 42.0,
                    "Unit": "Seconds",
                }
            ],
        )
        sqs.close()
        cloudwatch.close()
        yield m


async def run(moto: Moto, config: dict[str, Any], timeout: float = 10.0) -> CheckResult:
    cfg = SqsConfig.model_validate({"endpoint_url": moto.endpoint, **moto.credentials(), **config})
    probe = SqsProbe("queue", cfg, timeout, ProbeDeps())
    probe.prepare()
    try:
        return await probe.check()
    finally:
        await probe.close()


@pytest.mark.integration
@pytest.mark.parametrize(
    ("settings", "status", "error", "needle"),
    [
        ({"queue_name": BUSY}, Status.UP, "", "3 waiting, 1 in flight, 1 delayed"),
        ({"queue_name": BUSY, "max_depth": 2}, Status.DEGRADED, "assertion", "more than 2"),
        ({"queue_name": BUSY, "max_depth": 3}, Status.UP, "", "3 waiting"),
        ({"queue_name": BUSY, "cloudwatch": True}, Status.UP, "", "oldest 42s"),
        ({"queue_name": BUSY, "cloudwatch": True, "max_age": "30s"},
         Status.DEGRADED, "assertion", "oldest older than 30s"),
        ({"queue_name": IDLE, "cloudwatch": True, "max_age": "30s"},
         Status.UP, "", "no CloudWatch age in the last 15 minutes"),
        ({"queue_name": "warden-nope"}, Status.DOWN, "assertion", "does not exist"),
    ],
)  # fmt: skip
async def test_queues(
    moto: Moto, settings: dict[str, Any], status: Status, error: str, needle: str
) -> None:
    result = await run(moto, settings)
    assert result.status is status, result.message
    assert result.error == error
    assert needle in result.message
    if status is not Status.DOWN:
        assert {"lookup", "query"} <= set(result.phases)
        assert ("cloudwatch" in result.phases) == settings.get("cloudwatch", False)


@pytest.mark.integration
async def test_metrics_by_url(moto: Moto) -> None:
    url = f"{moto.endpoint}/123456789012/{BUSY}"
    result = await run(moto, {"queue_url": url, "cloudwatch": True})
    assert result.status is Status.UP, result.message
    assert "lookup" not in result.phases
    assert result.metrics == {
        "queue_depth": 3.0,
        "messages_in_flight": 1.0,
        "messages_delayed": 1.0,
        "oldest_message_age_seconds": 42.0,
    }


@pytest.mark.integration
@pytest.mark.parametrize("who", ["wrong-secret", "reader"])
async def test_refused_credentials(moto: Moto, who: str) -> None:
    creds = (moto.key[0], "not-the-secret") if who == "wrong-secret" else moto.reader
    result = await run(moto, {"queue_name": BUSY, **moto.credentials(creds)})
    assert result.status is Status.DOWN
    assert result.error is ErrorClass.AUTH, result.message
    assert moto.key[1] not in result.message


async def test_refused_endpoint() -> None:
    cfg = SqsConfig.model_validate(
        {"queue_name": BUSY, "endpoint_url": f"http://127.0.0.1:{free_port()}",
         "access_key_id": "a", "secret_access_key": "b"}
    )  # fmt: skip
    probe = SqsProbe("queue", cfg, 5.0, ProbeDeps())
    result = await probe.check()
    await probe.close()
    assert result.error is ErrorClass.REFUSED, result.message


@pytest.mark.parametrize(
    ("config", "complaint"),
    [
        ({}, "give queue_url or queue_name"),
        ({"queue_name": "q", "queue_url": "https://sqs/1/q"}, "give queue_url or queue_name"),
        ({"queue_name": "q", "max_age": "5m"}, "max_age needs cloudwatch"),
        ({"queue_url": "sqs/1/q"}, "http:// or https://"),
    ],
)
def test_config_errors(config: dict[str, Any], complaint: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=complaint):
        SqsConfig.model_validate(config)


def test_name_and_target() -> None:
    by_url = SqsConfig.model_validate({"queue_url": "https://sqs.eu-west-1.amazonaws.com/1/jobs"})
    assert by_url.name() == "jobs"
    by_name = SqsConfig.model_validate({"queue_name": "jobs", "region": "eu-west-1"})
    assert by_name.target() == "sqs:eu-west-1:jobs"
