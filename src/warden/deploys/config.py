"""The ``deploys:`` section of warden.yaml.

deploys:
  receiver: ops                 # told about every automatic rollback
  error_rate: 0.01              # the watch's breach: more than 1% of requests or checks failing
  watch: 10m                    # how long `warden deploy watch` watches after a marker
  freezes:                      # no deploys then; like maintenance windows
    - {name: black-friday, start: "2026-11-27T00:00:00Z", end: "2026-11-30T00:00:00Z"}
    - {name: weekend, cron: "0 18 * * 5", duration: 62h, matchers: ['service="shop"']}
"""

from __future__ import annotations

from pydantic import Field

from warden.alerting.config import MaintenanceConfig
from warden.config._base import ConfigModel
from warden.config._types import Duration


class DeploysConfig(ConfigModel):
    receiver: str | None = Field(None, description="Receiver told about automatic rollbacks.")
    error_rate: float = Field(0.01, gt=0, lt=1, description="Breach: failing share above this.")
    watch: Duration = Field(600.0, description="How long the watch lasts after a marker.")
    freezes: list[MaintenanceConfig] = Field(
        default_factory=list, description="Deploy freeze windows (start/end or cron/duration)."
    )
