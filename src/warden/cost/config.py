"""The ``cost:`` section: where the cost lines live, the exports ``warden up`` ingests, the tag
keys spend is split by, budgets, and the settings of anomalies, right-sizing, waste and
commitments (every threshold and assumption the report prints)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from warden.config._base import ConfigModel
from warden.config._types import Duration, Secret


class BudgetConfig(ConfigModel):
    """A monthly budget for the spend carrying a tag value (``{tag: team, value: shop}``), of a
    service (``{service: ...}``), or of the whole bill (neither)."""

    name: str | None = Field(None, description="Shown in reports; default: tag=value.")
    tag: str | None = Field(None, description="Tag key, e.g. team.")
    value: str | None = Field(None, description="Tag value, e.g. shop.")
    service: str | None = Field(None, description="Or a ServiceName.")
    monthly: float = Field(gt=0, description="Budget per month in the bill's currency.")

    @model_validator(mode="after")
    def _scope(self) -> BudgetConfig:
        if (self.tag is None) != (self.value is None):
            raise ValueError("give tag and value together")
        if self.tag is not None and self.service is not None:
            raise ValueError("give a tag or a service, not both")
        return self

    def label(self) -> str:
        if self.name:
            return self.name
        if self.tag is not None:
            return f"{self.tag}={self.value}"
        return f"service={self.service}" if self.service else "total"


class S3Access(ConfigModel):
    """How ``s3://`` exports are read (default: the boto3 credential chain, AWS S3)."""

    endpoint_url: str | None = Field(None, description="For S3-compatible servers.")
    region: str = "us-east-1"
    access_key_id: Secret | None = None
    secret_access_key: Secret | None = None


class AnomalyConfig(ConfigModel):
    """Day-level spend anomalies per service: the same weekday's median over ``weeks`` weeks
    is the expected spend; a day is anomalous above ``z`` robust deviations (MAD) and above
    both floors."""

    weeks: int = Field(8, ge=2, le=26, description="Weeks of history the baseline reads.")
    z: float = Field(4.0, gt=0, description="Robust z-score above which a day is anomalous.")
    min_excess: float = Field(
        10.0, ge=0, description="Least excess over the expected spend, per day, in currency."
    )
    min_ratio: float = Field(0.3, ge=0, description="Least excess as a share of the expected.")
    alert_days: int = Field(
        3, ge=1, le=31, description="The job raises cost_anomaly for the last N days of data."
    )


class RightsizingConfig(ConfigModel):
    """AWS Compute Optimizer's defaults: P99.5 CPU, 20 % headroom, 14 days."""

    lookback: Duration = Field(14 * 86400.0, description="Samples the recommendation reads.")
    cpu_percentile: float = Field(99.5, gt=0, le=100)
    cpu_headroom: float = Field(0.2, ge=0, lt=1, description="Share of CPU kept free.")
    memory_percentile: float = Field(99.5, gt=0, le=100)
    memory_headroom: float = Field(0.2, ge=0, lt=1, description="Share of memory kept free.")
    min_hours: float = Field(24.0, gt=0, description="Hours of samples a host needs.")
    same_arch: bool = Field(True, description="Recommend only the same CPU architecture.")
    hosts: dict[str, str] = Field(
        default_factory=dict,
        description="host label -> instance type, for monitored hosts the bill does not name "
        "(e.g. web-1: m6i.xlarge).",
    )
    provider: str = Field("aws", description="Catalog provider of hosts not in the bill.")
    region: str = Field("us-east-1", description="Catalog region of hosts not in the bill.")


class WasteConfig(ConfigModel):
    idle_usage: float = Field(
        0.01, ge=0, description="Usage quantity (not hours) at or below which a resource is idle."
    )
    min_monthly: float = Field(1.0, ge=0, description="Ignore resources cheaper than this.")
    stopped_days: int = Field(7, ge=1, description="No compute hours for this long: stopped.")
    snapshot_days: int = Field(90, ge=1, description="Snapshots older than this are old.")
    lifecycle_days: int = Field(30, ge=1, description="Standard-class data older than this.")
    lifecycle_saving: float = Field(
        0.45, ge=0, le=1, description="Saving of moving old data to an infrequent-access class."
    )
    day_hours: float = Field(
        14.0, gt=0, le=24, description="Running more hours a day than this: runs at night."
    )
    scheduled_hours_per_week: float = Field(
        60.0, gt=0, le=168, description="Hours a non-production resource runs when scheduled."
    )
    attachment_tags: list[str] = Field(
        default_factory=lambda: ["instance", "instance_id", "attached_to"],
        description="Tags of a volume or snapshot naming its instance.",
    )


class CommitmentConfig(ConfigModel):
    one_year_discount: float = Field(0.25, ge=0, lt=1, description="1-year, no upfront.")
    three_year_discount: float = Field(0.45, ge=0, lt=1, description="3-year, no upfront.")
    spot_discount: float = Field(0.65, ge=0, lt=1, description="Spot versus on-demand.")
    spot_tags: dict[str, list[str]] = Field(
        default_factory=lambda: {"fault-tolerant": ["true", "yes"], "spot": ["ok", "true"]},
        description="Tags marking a fault-tolerant workload (non-production is one too).",
    )


class CostConfig(ConfigModel):
    data_dir: Path | None = Field(
        None,
        description="Where ingested cost lines are kept (Parquet). Default: warden-cost/ "
        "beside the SQLite store, else ~/.local/share/warden/cost.",
    )
    sources: list[str] = Field(
        default_factory=list,
        description="Folders, files or s3://bucket/prefix URLs `warden up` ingests each interval.",
    )
    interval: Duration = Field(3600.0, description="How often `warden up` ingests and scans.")
    s3: S3Access = Field(default_factory=S3Access)
    measure: Literal["effective", "billed"] = Field(
        "effective", description="EffectiveCost (amortized, after discounts) or BilledCost."
    )
    tag_keys: list[str] = Field(
        default_factory=lambda: ["team", "env", "app"],
        description="Tag keys spend is split by (AWS user: prefixes are matched too).",
    )
    nonprod_values: list[str] = Field(
        default_factory=lambda: [
            "dev",
            "development",
            "test",
            "testing",
            "qa",
            "staging",
            "sandbox",
            "nonprod",
            "non-production",
        ],
        description="Values of the env tag that mark non-production.",
    )
    env_tag: str = Field("env", description="The tag key holding the environment.")
    budgets: list[BudgetConfig] = Field(default_factory=list)
    variance_threshold: float = Field(
        0.10, gt=0, description="Budget variance (either way) flagged above this share."
    )
    currency_per_usd: float = Field(
        1.0, gt=0, description="The bill's currency per US dollar (the catalog is in USD)."
    )
    catalog: Path | None = Field(
        None, description="A CSV of your own instance prices, added to the shipped one."
    )
    anomalies: AnomalyConfig = Field(default_factory=AnomalyConfig)
    rightsizing: RightsizingConfig = Field(default_factory=RightsizingConfig)
    waste: WasteConfig = Field(default_factory=WasteConfig)
    commitments: CommitmentConfig = Field(default_factory=CommitmentConfig)

    @field_validator("tag_keys")
    @classmethod
    def _keys(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("tag keys repeat")
        return v
