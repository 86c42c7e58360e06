"""The probe seam: one module per probe type, each a ``Probe`` subclass registered by ``type``.

A probe declares its settings as a ``ProbeConfig`` model (the YAML under its type key, e.g.
``http:``), and implements ``check()``. A failure of the watched system is returned as a
``CheckResult`` with status DOWN and a classified ``ErrorClass``; ``check`` raises only for
Warden's own bugs. The engine enforces the monitor's timeout around ``check`` as a hard cap;
probes should also honour ``self.timeout`` themselves so they can report what they measured.
``prepare()`` runs before the first timed check and loads the probe's drivers, so their import
time never counts as a check's latency.
"""

from __future__ import annotations

import builtins
import sys
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Generic, TypeVar

from warden._lazy import warm
from warden.config._base import ConfigModel
from warden.engine.clock import Clock, SystemClock
from warden.plugins import Registry
from warden.results import CheckResult, ErrorClass, Status


class ProbeConfig(ConfigModel):
    """Base of a probe's type-specific settings."""

    def target(self) -> str:
        """A short, secret-free description of what is checked (shown in tables)."""
        return ""


C = TypeVar("C", bound=ProbeConfig)


class HeartbeatBook:
    """Last ping time per heartbeat monitor, fed by the web endpoint and read by the probe.

    With a ``reader`` (the engine passes one on a store shared by several instances), the
    probe also asks it, so a ping received by any instance counts.
    """

    def __init__(self, reader: Callable[[str], Awaitable[float | None]] | None = None) -> None:
        self._last: dict[str, float] = {}
        self._started: dict[str, float] = {}
        self.reader = reader

    def ping(self, monitor: str, at: float) -> None:
        self._last[monitor] = at

    def last(self, monitor: str) -> float | None:
        return self._last.get(monitor)

    async def latest(self, monitor: str) -> float | None:
        """The last ping, asking the ``reader`` first when there is one."""
        if self.reader is not None:
            at = await self.reader(monitor)
            if at is not None and at > self._last.get(monitor, float("-inf")):
                self._last[monitor] = at
        return self._last.get(monitor)

    def started(self, monitor: str, at: float) -> float:
        """When watching began (the grace period counts from here until the first ping)."""
        return self._started.setdefault(monitor, at)


@dataclass
class ProbeDeps:
    """What the App hands to probes."""

    clock: Clock = field(default_factory=SystemClock)
    heartbeats: HeartbeatBook = field(default_factory=HeartbeatBook)


class Probe(ABC, Generic[C]):
    """One check of one monitor. Subclasses set ``type`` and ``config_model``."""

    type: ClassVar[str]
    needs_interval: ClassVar[bool] = False
    """True for probes whose constructor takes ``interval=`` (push monitors such as heartbeat)."""
    config_model: ClassVar[builtins.type[ProbeConfig]]

    def __init__(self, monitor: str, config: C, timeout: float, deps: ProbeDeps) -> None:
        self.monitor = monitor
        self.config = config
        self.timeout = timeout
        self.deps = deps

    @abstractmethod
    async def check(self) -> CheckResult:
        """Run one check. Never raises because the target failed."""

    def prepare(self) -> None:
        """Load what the check needs before the first timed check: by default the driver
        modules the probe's module binds with ``lazy_module`` (see ``warden._lazy``).
        Blocking; called once per probe, before any check's clock starts."""
        warm(sys.modules[type(self).__module__])

    async def close(self) -> None:
        """Release pooled resources (called on shutdown or reload)."""

    def result(
        self,
        status: Status,
        latency: float,
        started: float,
        message: str = "",
        error: ErrorClass = ErrorClass.NONE,
        phases: Mapping[str, float] | None = None,
        metrics: Mapping[str, float] | None = None,
    ) -> CheckResult:
        """Build this monitor's CheckResult; ``started`` is the wall time the check began."""
        return CheckResult(
            monitor=self.monitor,
            status=status,
            latency=latency,
            time=started,
            message=message,
            error=error,
            phases=dict(phases or {}),
            metrics=dict(metrics or {}),
        )


REGISTRY: Registry[type[Probe[ProbeConfig]]] = Registry("probe")


def register(cls: type[Probe[C]]) -> type[Probe[C]]:
    """Class decorator: ``@register`` on a Probe subclass adds it under ``cls.type``."""
    REGISTRY.register(cls)  # type: ignore[arg-type]
    return cls
