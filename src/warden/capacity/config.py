"""The ``capacity:`` section: how far back forecasts look, how much history they need, how
often ``warden up`` refreshes them, and resources of your own beside the built-in ones."""

from __future__ import annotations

from pydantic import Field, model_validator

from warden.config._base import ConfigModel
from warden.config._types import Duration


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
