"""A game-day plan: the faults to inject and what must happen while they hold.

```yaml
name: api freezes
hold: 3m                 # keep the faults at most this long (less once every alert fired)
faults:
  - signal: {pid_file: /run/api.pid}              # SIGSTOP, reverted with SIGCONT
  - netem: {interface: eth1, delay: 300ms, loss: 5}
  - command: {inject: [systemctl, stop, redis], revert: [systemctl, start, redis]}
  - toxiproxy: {url: "http://127.0.0.1:8474", proxy: redis, type: latency,
                attributes: {latency: 1000}}
expect:
  fire: [{alert: MonitorDown, within: 2m, severity: high, labels: {monitor: api}}]
  not_fire: [HostHighCpu]
  recover: [{monitor: api, within: 2m}]
```

``load_plan`` reads a file and reports every problem with its file, line and key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from warden.config._base import ConfigModel
from warden.config._types import Duration
from warden.config._yaml import load_yaml
from warden.config.loader import document_issues
from warden.errors import ConfigError, ConfigIssue

Argv = list[str]


class NetemSpec(ConfigModel):
    interface: str = Field(min_length=1, description="Network interface (on this host).")
    netns: str | None = Field(None, description="Network namespace of the interface.")
    delay: Duration = Field(0.0, description="Added delay per packet.")
    jitter: Duration = Field(0.0, description="Delay variation.")
    loss: float = Field(0.0, ge=0, le=100, description="Packets dropped, percent.")

    @model_validator(mode="after")
    def _something(self) -> NetemSpec:
        if self.delay <= 0 and self.loss <= 0:
            raise ValueError("give a delay or a loss")
        return self


class SignalSpec(ConfigModel):
    pid: int | None = Field(None, gt=1, description="Process to stop (SIGSTOP, then SIGCONT).")
    pid_file: Path | None = Field(None, description="File holding that process id.")

    @model_validator(mode="after")
    def _one(self) -> SignalSpec:
        if (self.pid is None) == (self.pid_file is None):
            raise ValueError("give exactly one of pid and pid_file")
        return self


class CommandSpec(ConfigModel):
    inject: Argv = Field(min_length=1, description="Command (argv) that causes the fault.")
    revert: Argv = Field(min_length=1, description="Command (argv) that undoes it.")
    timeout: Duration = Field(30.0, description="Limit of each command.")


class ToxiproxySpec(ConfigModel):
    url: str = Field("http://127.0.0.1:8474", description="Toxiproxy's HTTP API.")
    proxy: str = Field(min_length=1, description="Name of the proxy to add the toxic to.")
    type: Literal["latency", "bandwidth", "slow_close", "timeout", "reset_peer", "slicer",
                  "limit_data"]  # fmt: skip
    stream: Literal["downstream", "upstream"] = "downstream"
    toxicity: float = Field(1.0, ge=0, le=1)
    attributes: dict[str, float] = Field(default_factory=dict)

    @field_validator("url")
    @classmethod
    def _http(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return v


class FaultSpec(ConfigModel):
    """One fault: exactly one of its kinds."""

    netem: NetemSpec | None = None
    signal: SignalSpec | None = None
    command: CommandSpec | None = None
    toxiproxy: ToxiproxySpec | None = None

    @model_validator(mode="after")
    def _one(self) -> FaultSpec:
        given = [k for k in ("netem", "signal", "command", "toxiproxy") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("a fault is exactly one of netem, signal, command, toxiproxy")
        return self

    def kind(self) -> str:
        return next(k for k in ("netem", "signal", "command", "toxiproxy") if getattr(self, k))


class FireSpec(ConfigModel):
    alert: str = Field(min_length=1, description="Alert name (rule name) that must fire.")
    within: Duration = Field(300.0, description="From the injection to firing.")
    severity: Literal["critical", "high", "medium", "low"] | None = None
    labels: dict[str, str] = Field(default_factory=dict, description="Labels it must carry.")


class RecoverSpec(ConfigModel):
    monitor: str = Field(min_length=1)
    within: Duration = Field(300.0, description="From the revert to the monitor being up.")


class ExpectSpec(ConfigModel):
    fire: list[FireSpec] = Field(default_factory=list)
    not_fire: list[str] = Field(default_factory=list)
    recover: list[RecoverSpec] = Field(default_factory=list)


class Plan(ConfigModel):
    name: str = Field(min_length=1, max_length=200)
    hold: Duration = Field(300.0, description="Longest time the faults are held.")
    faults: list[FaultSpec] = Field(min_length=1, max_length=20)
    expect: ExpectSpec = Field(default_factory=ExpectSpec)

    @model_validator(mode="after")
    def _bounded(self) -> Plan:
        if not 1.0 <= self.hold <= 3600.0:
            raise ValueError("hold: between 1s and 1h")
        if not (self.expect.fire or self.expect.recover):
            raise ValueError("expect: give at least one alert that must fire or a recovery")
        return self


def parse_plan(text: str, file: str = "<plan>") -> Plan:
    data, lines, issues = load_yaml(text, file, {})
    if data is None or issues:
        raise ConfigError(issues or [ConfigIssue(file, 1, "", "the plan is empty")])
    if not isinstance(data, dict):
        raise ConfigError([ConfigIssue(file, 1, "", "a plan is a mapping of keys")])
    try:
        return Plan.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(document_issues(exc, data, lines, file, Plan)) from None


def load_plan(path: Path) -> Plan:
    """Read and validate a plan file; ConfigError with file:line: key for each problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([ConfigIssue(str(path), None, "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([ConfigIssue(str(path), None, "", f"cannot read: {exc}")]) from None
    return parse_plan(text, str(path))
