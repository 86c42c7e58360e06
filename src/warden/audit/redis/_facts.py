"""What a Redis audit reads (INFO, a few CONFIG values, the slow log), and its registry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from warden.audit._base import Check, registrar
from warden.plugins import Registry


@dataclass(frozen=True, slots=True)
class SlowEntry:
    id: int
    started: float
    duration_us: int
    command: str  # command name and first argument only: values may be secrets
    client: str


@dataclass(frozen=True, slots=True)
class RedisFacts:
    """INFO fields (numbers where numeric), CONFIG values, and the slow log."""

    info: dict[str, Any]
    config: dict[str, str]  # empty when CONFIG is refused or renamed
    slowlog: list[SlowEntry]
    slowlog_len: int
    keys: int
    expires: int
    notes: list[str] = field(default_factory=list)

    def num(self, name: str) -> float:
        value = self.info.get(name, 0)
        return float(value) if isinstance(value, int | float) else 0.0

    def text(self, name: str) -> str:
        return str(self.info.get(name, ""))

    def config_int(self, name: str, default: int = 0) -> int:
        try:
            return int(self.config.get(name, default))
        except ValueError:
            return default

    def maxmemory(self) -> int:
        return self.config_int("maxmemory", int(self.num("maxmemory")))

    def policy(self) -> str:
        return self.config.get("maxmemory-policy") or self.text("maxmemory_policy")

    def summary(self) -> dict[str, Any]:
        return {
            "server_version": self.text("redis_version"),
            "role": self.text("role"),
            "used_memory": int(self.num("used_memory")),
            "maxmemory": self.maxmemory(),
            "maxmemory_policy": self.policy(),
            "connected_clients": int(self.num("connected_clients")),
            "keys": self.keys,
            "uptime_seconds": int(self.num("uptime_in_seconds")),
        }


REGISTRY: Registry[type[Check[RedisFacts]]] = Registry("redis audit check")
register = registrar(REGISTRY)
