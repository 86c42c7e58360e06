"""Helpers for engine tests: scripted probes, a scripted monitor type, and loop settling."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from warden.config.schema import MonitorBase
from warden.probes import Probe, ProbeConfig, ProbeDeps
from warden.results import CheckResult, Status


class ScriptedProbe(Probe[ProbeConfig]):
    """Returns the statuses of a script in turn (the last one repeats)."""

    type = "scripted"
    config_model = ProbeConfig

    def __init__(
        self, monitor: str, timeout: float, deps: ProbeDeps, script: list[Status], log: list[str]
    ) -> None:
        super().__init__(monitor, ProbeConfig(), timeout, deps)
        self.script = script
        self.log = log
        self.calls = 0

    async def check(self) -> CheckResult:
        status = self.script[min(self.calls, len(self.script) - 1)]
        self.calls += 1
        self.log.append(self.monitor)
        return self.result(status, 0.01, self.deps.clock.time(), message=status.label)


def factory(
    scripts: dict[str, list[Status]], log: list[str]
) -> Callable[[MonitorBase, ProbeDeps], Probe[ProbeConfig]]:
    def make(m: MonitorBase, deps: ProbeDeps) -> Probe[ProbeConfig]:
        return ScriptedProbe(m.name, m.timeout, deps, scripts.get(m.name, [Status.UP]), log)

    return make


async def settle(rounds: int = 30) -> None:
    for _ in range(rounds):
        await asyncio.sleep(0)


class ScriptedMonitor(MonitorBase):
    """A monitor whose probe type is ``scripted`` (built by ``factory``)."""

    scripted: ProbeConfig | None = ProbeConfig()
