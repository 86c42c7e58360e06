"""The ``capacity:`` section (how far back forecasts look, how much history they need, how
often ``warden up`` refreshes them, resources of your own) and the ``scaling:`` section (the
policies that resize a service from its triggers, with their actions)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from warden.config._base import ConfigModel
from warden.config._types import Duration, SecretUrl


class ResourceConfig(ConfigModel):
    """A resource of your own: a sampled series and its limit (a number or another series
    with the same labels), e.g. a queue's depth against the depth you can drain in time."""

    name: str = Field(description="What the resource is called in reports and alerts.")
    series: str = Field(description="The sampled usage, e.g. rabbitmq_queue_messages.")
    labels: dict[str, str] = Field(default_factory=dict, description="Only series with these.")
    limit: float | None = Field(None, gt=0, description="The limit, in the series' unit.")
    limit_series: str | None = Field(None, description="Or a series holding the limit.")
    unit: str = Field("", description="For display: bytes, connections, messages, ...")

    @model_validator(mode="after")
    def _one_limit(self) -> ResourceConfig:
        if (self.limit is None) == (self.limit_series is None):
            raise ValueError("give exactly one of limit and limit_series")
        return self


class CapacityConfig(ConfigModel):
    interval: Duration = Field(300.0, description="How often `warden up` refreshes forecasts.")
    lookback: Duration = Field(14 * 86400.0, description="History a forecast reads.")
    min_history: Duration = Field(
        6 * 3600.0,
        description="History (since the last change) a forecast needs; less says "
        "'not enough data' instead of guessing.",
    )
    horizon: Duration = Field(90 * 86400.0, description="How far ahead forecasts look.")
    resources: list[ResourceConfig] = Field(default_factory=list)


# --- scaling policies (the ``scaling:`` section) ----------------------------------------------

TriggerAgg = Literal["avg", "max", "min", "last", "p95"]


class TriggerConfig(ConfigModel):
    """Scale out when ``agg`` of ``series`` over ``for`` is above ``out_above``; scale in when
    every trigger with data is below its ``in_below`` (the gap between them is hysteresis)."""

    name: str = Field(description="For decisions and events: cpu, latency, ...")
    series: str
    labels: dict[str, str] = Field(default_factory=dict, description="Only series with these.")
    agg: TriggerAgg = "avg"
    for_: Duration = Field(300.0, alias="for", description="The window the value is taken over.")
    out_above: float
    in_below: float

    @model_validator(mode="after")
    def _hysteresis(self) -> TriggerConfig:
        if self.in_below >= self.out_above:
            raise ValueError("in_below must be below out_above (or the size would flap)")
        return self


def _standard_triggers() -> list[TriggerConfig]:
    """The product's standard triggers, each with its scale-in condition."""
    rows: list[dict[str, object]] = [
        {"name": "cpu", "series": "host_cpu_percent", "labels": {"cpu": "total"},
         "for": 300, "out_above": 70, "in_below": 30},
        {"name": "memory", "series": "host_memory_used_percent", "for": 600,
         "out_above": 85, "in_below": 50},
        {"name": "latency", "series": "http_request_duration_seconds_p95", "for": 300,
         "out_above": 1.0, "in_below": 0.3},
        {"name": "queue", "series": "rabbitmq_queue_messages", "agg": "max", "for": 300,
         "out_above": 1000, "in_below": 100},
        {"name": "errors", "series": "http_error_ratio", "for": 300,
         "out_above": 0.01, "in_below": 0.001},
    ]  # fmt: skip
    return [TriggerConfig.model_validate(r) for r in rows]


class CommandAction(ConfigModel):
    argv: list[str] = Field(
        min_length=1, description='Run with {size} replaced: ["./scale", "web", "{size}"].'
    )
    timeout: Duration = 60.0


class WebhookAction(ConfigModel):
    url: SecretUrl = Field(description="POSTed {policy, from, to, reason, dry_run, time}.")
    timeout: Duration = 10.0


class KubernetesAction(ConfigModel):
    deployment: str
    namespace: str = "default"
    kubeconfig: Path | None = Field(None, description="Default: in-cluster, then ~/.kube/config.")
    context: str | None = None


class ScheduleEntry(ConfigModel):
    """From each time ``cron`` fires until another entry's does, these bounds apply."""

    cron: str
    min: int | None = Field(None, ge=0)
    max: int | None = Field(None, ge=0)

    @field_validator("cron")
    @classmethod
    def _cron(cls, v: str) -> str:
        from warden.engine.jobs import valid_cron

        return valid_cron(v)


class ScalingPolicy(ConfigModel):
    name: str
    min: int = Field(1, ge=0)
    max: int = Field(ge=1)
    step: int = Field(1, ge=1, description="Instances added or removed per decision.")
    initial: int | None = Field(None, ge=0, description="Size before the first decision.")
    interval: Duration = Field(30.0, description="Time between evaluations.")
    cooldown: Duration = Field(300.0, description="No change within this long of the last one.")
    scale_up_stabilization: Duration = Field(
        0.0, description="Scale out to the lowest size recommended over this window (HPA)."
    )
    scale_down_stabilization: Duration = Field(
        300.0, description="Scale in to the highest size recommended over this window (HPA)."
    )
    triggers: list[TriggerConfig] = Field(default_factory=_standard_triggers)
    schedule: list[ScheduleEntry] = Field(default_factory=list)
    dry_run: bool = Field(False, description="Only record the decisions.")
    command: CommandAction | None = None
    webhook: WebhookAction | None = None
    kubernetes: KubernetesAction | None = None

    @model_validator(mode="after")
    def _shape(self) -> ScalingPolicy:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")
        if sum(a is not None for a in (self.command, self.webhook, self.kubernetes)) > 1:
            raise ValueError("give one action: command, webhook or kubernetes")
        if not (self.command or self.webhook or self.kubernetes) and not self.dry_run:
            raise ValueError("give an action (command, webhook or kubernetes) or dry_run: true")
        return self

    def action_kind(self) -> str:
        for kind in ("command", "webhook", "kubernetes"):
            if getattr(self, kind) is not None:
                return kind
        return "none"
