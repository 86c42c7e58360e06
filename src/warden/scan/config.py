"""The ``scan:`` section of warden.yaml: required tags, the folders scans may read, and the
scans ``warden up`` runs on a schedule.

scan:
  required_tags: [team, env]
  paths: [infra]                 # also where the MCP tool may scan
  scheduled:
    - name: infra
      path: infra
      schedule: "0 5 * * *"
      fail_on: high
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, field_validator, model_validator

from warden.config._base import ConfigModel
from warden.config._types import check_cron, check_name

if TYPE_CHECKING:
    from warden.scan._model import ScanOptions

SeverityName = Literal["critical", "high", "medium", "low"]


class ScheduledScan(ConfigModel):
    """One folder scanned on a cron schedule by ``warden up``."""

    name: str = Field(description="Unique name (the scan label of scan_findings).")
    path: Path = Field(description="Folder to scan (relative to where warden up runs).")
    schedule: str = Field("0 5 * * *", description="Cron expression (5 fields) of the runs.")
    fail_on: SeverityName | None = Field(
        "high", description="The job fails when a finding is at or above this severity."
    )
    baseline: Path | None = Field(None, description="Baseline file of accepted findings.")
    enabled: bool = True

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return check_name(v)

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, v: str) -> str:
        return check_cron(v, "0 5 * * *")


class ScanSection(ConfigModel):
    """Settings of ``warden scan`` and the scheduled scans."""

    required_tags: list[str] = Field(
        default_factory=list, description="Cost-allocation tags every taggable resource needs."
    )
    paths: list[Path] = Field(
        default_factory=list,
        description="Folders the MCP scan tool may read (besides the config file's folder).",
    )
    kustomize: Literal["auto", "kubectl", "off"] = Field(
        "auto", description="Render overlays with kubectl kustomize (auto: when installed)."
    )
    cert_days: float | None = Field(
        None, ge=0, description="Warn on certificates expiring within (default: TLS warn_days)."
    )
    scheduled: list[ScheduledScan] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> ScanSection:
        seen: set[str] = set()
        for i, s in enumerate(self.scheduled):
            if s.name in seen:
                raise ValueError(f"scheduled[{i}].name: {s.name!r} is used twice")
            seen.add(s.name)
        return self

    def options(self, **overrides: Any) -> ScanOptions:
        from warden.scan._model import ScanOptions

        base: dict[str, Any] = {
            "required_tags": tuple(self.required_tags),
            "kustomize": self.kustomize,
            "cert_days": self.cert_days,
        }
        return ScanOptions(**{**base, **overrides})
