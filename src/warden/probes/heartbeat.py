"""The ``heartbeat`` probe: a push monitor. A job pings Warden; silence past its deadline is DOWN.

The web endpoint ``/ping/<monitor>`` records pings in ``deps.heartbeats`` and in the store
(after checking ``HeartbeatConfig.accepts(token)``); this probe only reads them. On a store
shared by several instances the book reads the store, so a ping to any instance counts. The
next ping is due ``period`` after the last one (before the first: after watching began) and is
late once ``grace`` has passed too; then the result is DOWN with ``missed`` and says how late.
``period`` defaults to the monitor's interval, which the engine passes as ``interval=``.
"""

from __future__ import annotations

import hmac

from pydantic import Field

from warden.config._types import Duration, Secret, format_duration
from warden.errors import ProbeError
from warden.probes._base import Probe, ProbeConfig, ProbeDeps, register
from warden.results import CheckResult, ErrorClass, Status


class HeartbeatConfig(ProbeConfig):
    grace: Duration = Field(description="How late a ping may be before the monitor is down.")
    period: Duration | None = Field(
        None, gt=0, description="Expected time between pings; default the monitor's interval."
    )
    token: Secret | None = Field(None, description="Pings must carry it (or use token_file).")

    def accepts(self, token: str | None) -> bool:
        """Whether a ping carrying ``token`` counts (always, when no token is configured)."""
        if self.token is None:
            return True
        if token is None:
            return False
        return hmac.compare_digest(token.encode(), self.token.get_secret_value().encode())

    def target(self) -> str:
        return "push /ping/<name>" + (" (token)" if self.token else "")


@register
class HeartbeatProbe(Probe[HeartbeatConfig]):
    type = "heartbeat"
    config_model = HeartbeatConfig
    needs_interval = True  # the engine passes interval= (see engine.app.build_probe)

    def __init__(
        self,
        monitor: str,
        config: HeartbeatConfig,
        timeout: float,
        deps: ProbeDeps,
        *,
        interval: float | None = None,
    ) -> None:
        super().__init__(monitor, config, timeout, deps)
        self.period = config.period if config.period is not None else interval
        # watching begins when this instance builds the probe (at start or reload), not at
        # its first check, which may come much later when it takes the monitor over
        deps.heartbeats.started(monitor, deps.clock.time())

    async def check(self) -> CheckResult:
        if self.period is None:  # only this monitor fails; the engine reports it as an error
            raise ProbeError(
                f"heartbeat monitor {self.monitor!r} has no period: set heartbeat.period "
                "(the engine did not pass the monitor's interval)"
            )
        book = self.deps.heartbeats
        last = await book.latest(self.monitor)
        return self._judge(self.period, last)

    def _judge(self, period: float, last: float | None) -> CheckResult:
        now = self.deps.clock.time()
        started = self.deps.heartbeats.started(self.monitor, now)
        since = last if last is not None else started
        age = max(0.0, now - since)
        late = age - period - self.config.grace
        metrics = {"seconds_since_ping": age} if last is not None else {}
        if last is not None:
            what = f"last ping {_ago(age)}"
        else:
            what = f"no ping since watching began {_ago(age)}"
        if late <= 0:
            return self._result(Status.UP, what, now, metrics)
        due = f"period {format_duration(period)} + grace {format_duration(self.config.grace)}"
        text = f"{what}: {format_duration(round(late, 3))} late ({due})"
        return self._result(Status.DOWN, text, now, metrics)

    def _result(
        self, status: Status, message: str, now: float, metrics: dict[str, float]
    ) -> CheckResult:
        error = ErrorClass.MISSED if status is Status.DOWN else ErrorClass.NONE
        return self.result(status, 0.0, now, message, error, {}, metrics)


def _ago(seconds: float) -> str:
    return "just now" if seconds < 1 else f"{format_duration(round(seconds))} ago"
