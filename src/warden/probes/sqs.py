"""The ``sqs`` probe: an SQS queue's depth, and the age of its oldest message from CloudWatch.

Phases ``lookup`` (GetQueueUrl, with ``queue_name``), ``query`` (GetQueueAttributes) and
``cloudwatch`` (with ``cloudwatch: true``). Metrics ``queue_depth``
(ApproximateNumberOfMessages), ``messages_in_flight`` (...NotVisible), ``messages_delayed``
and ``oldest_message_age_seconds``. Nothing is received: SQS tells a message's age only by
receiving it, which hides it from consumers and counts as a delivery attempt, so the age comes
from CloudWatch's ``AWS/SQS ApproximateAgeOfOldestMessage`` (the highest value of the last 15
minutes). DEGRADED (``assertion``) above ``max_depth`` or ``max_age``; a missing queue is
``assertion``; refused credentials are ``auth``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
from typing import Any

from pydantic import Field, field_validator, model_validator

from warden.config._types import Duration, format_duration
from warden.probes._aws import AwsConfig, AwsError, call, classify, failures
from warden.probes._base import Probe, register
from warden.probes._net import Stopwatch, Verdict, down, run_check, up
from warden.results import CheckResult, ErrorClass, Status

_MISSING = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")
_ATTRIBUTES = {
    "ApproximateNumberOfMessages": "queue_depth",
    "ApproximateNumberOfMessagesNotVisible": "messages_in_flight",
    "ApproximateNumberOfMessagesDelayed": "messages_delayed",
}
AGE_WINDOW = 15 * 60
"""Seconds of CloudWatch data looked at for the oldest message's age."""


class SqsConfig(AwsConfig):
    queue_url: str | None = Field(None, description="The queue's URL (or give queue_name).")
    queue_name: str | None = Field(None, description="The queue's name, looked up each check.")
    max_depth: int | None = Field(None, ge=0, description="DEGRADED when more messages wait.")
    cloudwatch: bool = Field(False, description="Read the oldest message's age from CloudWatch.")
    cloudwatch_endpoint_url: str | None = Field(None, description="Default: endpoint_url.")
    max_age: Duration | None = Field(
        None, description="DEGRADED when the oldest message is older (needs cloudwatch)."
    )

    @field_validator("queue_url", "cloudwatch_endpoint_url")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> SqsConfig:
        if (self.queue_url is None) == (self.queue_name is None):
            raise ValueError("give queue_url or queue_name (one of them)")
        if self.max_age is not None and not self.cloudwatch:
            raise ValueError("max_age needs cloudwatch: true")
        return self

    def name(self) -> str:
        """The queue's name (the last part of its URL)."""
        return self.queue_name or (self.queue_url or "").rstrip("/").rsplit("/", 1)[-1]

    def target(self) -> str:
        return self.queue_url or f"sqs:{self.region}:{self.queue_name}"


async def oldest_age(client: Any, queue: str, now: float) -> float | None:
    """The latest ``ApproximateAgeOfOldestMessage`` (maximum per minute) of the last
    ``AGE_WINDOW`` seconds, or None when CloudWatch has none (an idle queue)."""
    end = dt.datetime.fromtimestamp(now, dt.UTC)
    reply = await call(
        client.get_metric_data,
        MetricDataQueries=[
            {
                "Id": "age",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/SQS",
                        "MetricName": "ApproximateAgeOfOldestMessage",
                        "Dimensions": [{"Name": "QueueName", "Value": queue}],
                    },
                    "Period": 60,
                    "Stat": "Maximum",
                },
            }
        ],
        StartTime=end - dt.timedelta(seconds=AGE_WINDOW),
        EndTime=end + dt.timedelta(minutes=1),
        ScanBy="TimestampDescending",
    )
    for result in reply.get("MetricDataResults", []):
        points = sorted(zip(result.get("Timestamps", []), result.get("Values", []), strict=False))
        if points:
            return float(points[-1][1])
    return None


@register
class SqsProbe(Probe[SqsConfig]):
    type = "sqs"
    config_model = SqsConfig

    def prepare(self) -> None:
        super().prepare()
        _ = self._sqs
        if self.config.cloudwatch:
            _ = self._cloudwatch

    async def close(self) -> None:
        for name in ("_sqs", "_cloudwatch"):
            if name in self.__dict__:
                self.__dict__[name].close()

    @functools.cached_property
    def _sqs(self) -> Any:
        return self.config.client("sqs", self.timeout)

    @functools.cached_property
    def _cloudwatch(self) -> Any:
        cfg = self.config
        return cfg.client("cloudwatch", self.timeout, cfg.cloudwatch_endpoint_url)

    async def check(self) -> CheckResult:
        return await run_check(
            self, self._run, failures=failures(), classify=classify, secrets=self.config.secrets()
        )

    async def _run(self, watch: Stopwatch) -> Verdict:
        cfg = self.config
        sqs = await asyncio.to_thread(lambda: self._sqs)
        try:
            url = cfg.queue_url
            if url is None:
                with watch.phase("lookup"):
                    url = (await call(sqs.get_queue_url, QueueName=cfg.queue_name))["QueueUrl"]
            with watch.phase("query"):
                reply = await call(
                    sqs.get_queue_attributes, QueueUrl=url, AttributeNames=list(_ATTRIBUTES)
                )
        except AwsError as exc:
            if exc.code in _MISSING:
                return down(ErrorClass.ASSERTION, f"queue {cfg.name()!r} does not exist")
            raise
        attributes = reply.get("Attributes", {})
        metrics = {name: float(attributes.get(key, 0)) for key, name in _ATTRIBUTES.items()}
        age = None
        if cfg.cloudwatch:
            cloudwatch = await asyncio.to_thread(lambda: self._cloudwatch)
            with watch.phase("cloudwatch"):
                age = await oldest_age(cloudwatch, cfg.name(), self.deps.clock.time())
            if age is not None:
                metrics["oldest_message_age_seconds"] = age
        return self._judge(metrics, age)

    def _judge(self, metrics: dict[str, float], age: float | None) -> Verdict:
        cfg = self.config
        message = (
            f"queue {cfg.name()!r}: {metrics['queue_depth']:g} waiting, "
            f"{metrics['messages_in_flight']:g} in flight, {metrics['messages_delayed']:g} delayed"
        )
        if cfg.cloudwatch:
            message += (
                f", oldest {format_duration(age)}"
                if age is not None
                else ", no CloudWatch age in the last 15 minutes"
            )
        problem = ""
        if cfg.max_depth is not None and metrics["queue_depth"] > cfg.max_depth:
            problem = f"more than {cfg.max_depth} waiting"
        elif cfg.max_age is not None and age is not None and age > cfg.max_age:
            problem = f"oldest older than {format_duration(cfg.max_age)}"
        if problem:
            return Verdict(Status.DEGRADED, f"{message} ({problem})", ErrorClass.ASSERTION, metrics)
        return up(message, metrics)
