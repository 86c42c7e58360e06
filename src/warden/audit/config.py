"""The ``audits:`` section of warden.yaml, and ``run_audit`` which the engine schedules.

audits:
  - name: shop-db
    kind: postgres
    target: postgresql://warden@db.internal/shop
    schedule: "0 6 * * *"
    fail_on: high
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from warden.audit._base import AuditOptions, AuditReport, Severity
from warden.config._base import ConfigModel
from warden.config._types import ByteSize, Duration, SecretUrl, check_cron, check_name
from warden.engine.clock import Clock

SeverityName = Literal["critical", "high", "medium", "low"]


class AuditConfig(ConfigModel):
    """One scheduled audit of one target."""

    name: str = Field(description="Unique name of this audit (used in alerts).")
    kind: Literal["web", "tls", "postgres", "mysql", "redis"]
    target: SecretUrl = Field(
        description="URL of the target (https://..., postgresql://..., mysql://..., "
        "redis://...) or HOST[:PORT] for tls; a password in it is never shown."
    )
    schedule: str = Field("0 6 * * *", description="Cron expression (5 fields) of the runs.")
    fail_on: SeverityName | None = Field(
        "high", description="New findings at or above this severity raise an alert."
    )
    timeout: Duration = Field(10.0, description="Limit of each request or statement.")
    thresholds: dict[str, float] = Field(
        default_factory=dict, description="Check limits by <check>.<name>, see docs/audit.md."
    )
    ca_file: Path | None = Field(None, description="Extra CA bundle trusted for TLS checks.")
    machine_memory: ByteSize | None = Field(
        None, description="RAM of the database host, for the settings checks of a remote server."
    )
    max_assets: int = Field(40, ge=0, le=500, description="Web: assets fetched at most.")
    enabled: bool = True

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return check_name(v)

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, v: str) -> str:
        return check_cron(v, "0 6 * * *")

    def options(self) -> AuditOptions:
        return AuditOptions(
            timeout=self.timeout,
            thresholds=dict(self.thresholds),
            ca_file=self.ca_file,
            machine_memory=self.machine_memory,
            max_assets=self.max_assets,
        )

    def fail_severity(self) -> Severity | None:
        return Severity.parse(self.fail_on) if self.fail_on else None


async def run_audit(cfg: AuditConfig, clock: Clock | None = None) -> AuditReport:
    """Run the audit ``cfg`` describes (raises AuditError when the target cannot be audited)."""
    from warden.audit._runner import audit

    return await audit(cfg.kind, cfg.target.get_secret_value(), cfg.options(), clock)
