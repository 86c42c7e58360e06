"""The collector seam: one module per ``type:``, each turning a system's counters into Samples.

A collector declares its settings as a ``CollectorConfig`` model and implements ``collect()``
returning ``Sample``s (name, labels, value, time). Metric names are Prometheus-style
(``postgres_connections``, ``redis_memory_used_bytes``) with units in the name. A collector
that cannot reach its system raises ``CollectorError``; the engine records that as a
``warden_collector_up{collector=...} 0`` sample and carries on.
"""

from __future__ import annotations

import builtins
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import ClassVar, Generic, TypeVar

from warden.config._base import ConfigModel
from warden.engine.clock import Clock
from warden.plugins import Registry
from warden.results import Sample


class CollectorConfig(ConfigModel):
    """Base of a collector's type-specific settings."""


C = TypeVar("C", bound=CollectorConfig)


class Collector(ABC, Generic[C]):
    """Gathers samples from one system. Subclasses set ``type`` and ``config_model``."""

    type: ClassVar[str]
    config_model: ClassVar[builtins.type[CollectorConfig]]

    def __init__(self, name: str, config: C, clock: Clock) -> None:
        self.name = name
        self.config = config
        self.clock = clock

    @abstractmethod
    async def collect(self) -> list[Sample]:
        """Read the system's counters now. Raises CollectorError when it cannot."""

    async def close(self) -> None:
        """Release connections (called on shutdown or reload)."""

    def sample(self, name: str, value: float, now: float, **labels: str) -> Sample:
        """A sample labelled with this collector's name plus ``labels``."""
        merged: Mapping[str, str] = {"collector": self.name, **labels}
        return Sample(name, merged, float(value), now)


REGISTRY: Registry[type[Collector[CollectorConfig]]] = Registry("collector")


def register(cls: type[Collector[C]]) -> type[Collector[C]]:
    REGISTRY.register(cls)  # type: ignore[arg-type]
    return cls
