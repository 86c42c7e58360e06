"""The root of ``warden.yaml``: every section's model, assembled into ``WardenConfig``.

Monitors and collectors are written with their type as the key that holds their settings::

    monitors:
      - name: api
        interval: 30s
        http: {url: "https://api.example.test/health", expect: {status: "200-299"}}

so an error path reads like the file (``monitors[2].http.expect.status``). The models with one
optional field per registered probe/collector type are built from the registries by
``build_model()``; plugin modules stay the only place a type is declared.
"""

from __future__ import annotations

import functools
import re
from typing import Any, ClassVar, cast

from pydantic import Field, create_model, field_validator, model_validator

from warden.agents.config import AgentsConfig, Quorum, check_locations, check_quorum
from warden.alerting.config import (
    AlertingConfig,
    AlertRule,
    InhibitRuleConfig,
    MaintenanceConfig,
    ReceiverConfig,
    RouteConfig,
    SloConfig,
)
from warden.audit.config import AuditConfig
from warden.backup.config import BackupList
from warden.capacity.config import CapacityConfig, ScalingPolicy
from warden.config._base import ConfigModel
from warden.config._types import Duration, SecretUrl, check_name
from warden.cost.config import CostConfig
from warden.deploys.config import DeploysConfig
from warden.reports.config import LadderConfig, ReportsConfig, SecretRecord
from warden.rum.config import RumConfig
from warden.scan.config import ScanSection
from warden.web.config import StatusPageConfig, WebConfig

# The schema checks the file as written: a value may still be an ${ENV} reference.
_INTERPOLATED = r"\$\{"
_LABEL_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def _check_labels(labels: dict[str, str]) -> dict[str, str]:
    for key in labels:
        if not _LABEL_RE.match(key):
            raise ValueError(f"label name {key!r} must match [a-zA-Z_][a-zA-Z0-9_]*")
    return labels


class MonitorBase(ConfigModel):
    """Settings every monitor has; exactly one probe-type key holds the probe's own settings."""

    name: str = Field(
        description="Unique name; used in alerts, URLs and the CLI.",
        json_schema_extra={"pattern": rf"^({_INTERPOLATED}|[A-Za-z0-9][A-Za-z0-9_.\-]*$)"},
    )
    interval: Duration = Field(60.0, description="Time between checks.")
    timeout: Duration = Field(10.0, description="A check taking longer counts as a timeout.")
    retries: int = Field(
        0, ge=0, le=20, description="Failed checks in a row before the state turns down."
    )
    retry_interval: Duration | None = Field(
        None, description="Time between checks while retrying a failure (default: interval)."
    )
    group: str = Field("default", description="Group shown on the dashboard and status pages.")
    labels: dict[str, str] = Field(default_factory=dict)
    description: str = ""
    enabled: bool = True
    locations: list[str] = Field(
        default_factory=list,
        description="Probe agents of these locations run it (`warden agent`), not this server.",
    )
    quorum: Quorum = Field(
        "majority", description="Locations that must see it down: any, majority, all or N."
    )
    source: ClassVar[str] = "yaml"  # "api" for monitors managed through the API

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return check_name(v)

    @field_validator("labels")
    @classmethod
    def _labels(cls, v: dict[str, str]) -> dict[str, str]:
        return _check_labels(v)

    @field_validator("interval")
    @classmethod
    def _interval(cls, v: float) -> float:
        if v < 1:
            raise ValueError("must be at least 1s")
        return v

    @field_validator("locations")
    @classmethod
    def _locations(cls, v: list[str]) -> list[str]:
        return check_locations(v)

    @model_validator(mode="after")
    def _quorum(self) -> MonitorBase:
        check_quorum(self.quorum, self.locations)
        if self.locations and getattr(self, "heartbeat", None) is not None:
            raise ValueError("a heartbeat monitor is pinged, not probed: it has no locations")
        return self

    def probe_type(self) -> str:
        """The one probe-type key that is set (``http``, ``tcp``, ...)."""
        for key in type(self).model_fields:
            if key not in MonitorBase.model_fields and getattr(self, key) is not None:
                return key
        raise AssertionError("validated monitor without a probe type")

    def probe_config(self) -> Any:
        return getattr(self, self.probe_type())


class CollectorBase(ConfigModel):
    """Settings every collector has; exactly one collector-type key holds its own settings."""

    name: str | None = Field(None, description="Defaults to the collector type.")
    interval: Duration = Field(15.0, description="Time between collections.")
    labels: dict[str, str] = Field(default_factory=dict)
    enabled: bool = True

    @field_validator("labels")
    @classmethod
    def _labels(cls, v: dict[str, str]) -> dict[str, str]:
        return _check_labels(v)

    def collector_type(self) -> str:
        for key in type(self).model_fields:
            if key not in CollectorBase.model_fields and getattr(self, key) is not None:
                return key
        raise AssertionError("validated collector without a type")

    def collector_config(self) -> Any:
        return getattr(self, self.collector_type())

    def display_name(self) -> str:
        return self.name or self.collector_type()


class RetentionConfig(ConfigModel):
    raw: Duration = Field(7 * 86400.0, description="How long every single result is kept.")
    minute: Duration = Field(30 * 86400.0, description="How long per-minute rollups are kept.")
    hour: Duration = Field(400 * 86400.0, description="How long per-hour rollups are kept.")


STORE_SCHEMES = ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg")
STORE_URL_PATTERN = rf"^({_INTERPOLATED}|sqlite(\+pysqlite)?://(/.*)?$|postgresql(\+psycopg)?://)"


def check_store_url(url: str) -> None:
    """Refuse a store URL whose scheme or driver Warden cannot open (ValueError, no secret)."""
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme:
        raise ValueError("must be a URL such as sqlite:///warden.db or postgresql://host/db")
    if scheme not in STORE_SCHEMES:
        hint = " (did you mean postgresql://?)" if scheme.startswith("postgres") else ""
        raise ValueError(
            f"scheme {scheme!r} is not supported{hint}; use one of {', '.join(STORE_SCHEMES)}"
        )
    if scheme.startswith("sqlite") and rest and not rest.startswith("/"):
        raise ValueError("a SQLite URL needs three slashes: sqlite:///path/to/warden.db")


class StoreConfig(ConfigModel):
    url: SecretUrl = Field(
        SecretUrl("sqlite:///warden.db"),
        description="sqlite:///path.db (default) or postgresql://user:pass@host/db",
        json_schema_extra={"pattern": STORE_URL_PATTERN, "default": "sqlite:///warden.db"},
    )
    retention: RetentionConfig = Field(default_factory=RetentionConfig)

    @field_validator("url")
    @classmethod
    def _url(cls, v: SecretUrl) -> SecretUrl:
        check_store_url(v.get_secret_value())
        return v


class EngineConfig(ConfigModel):
    concurrency: int = Field(500, ge=1, description="Checks running at once, at most.")
    jitter: float = Field(
        0.1, ge=0, le=0.5, description="Random spread of each interval, as a fraction of it."
    )


class ServerConfig(ConfigModel):
    listen: str = Field("127.0.0.1:8080", description="host:port of the web UI, API and /ping.")
    external_url: str | None = Field(None, description="URL the outside uses to reach Warden.")


class WardenConfig(ConfigModel):
    """The whole of warden.yaml."""

    monitors: list[MonitorBase] = Field(default_factory=list)
    collectors: list[CollectorBase] = Field(default_factory=list)
    store: StoreConfig = Field(default_factory=StoreConfig)
    engine: EngineConfig = Field(default_factory=EngineConfig)
    server: ServerConfig = Field(default_factory=ServerConfig)
    # Sections of other areas are added below, one line each.
    audits: list[AuditConfig] = Field(default_factory=list)
    alerting: AlertingConfig = Field(default_factory=AlertingConfig)
    alerts: list[AlertRule] = Field(default_factory=list)
    receivers: list[ReceiverConfig] = Field(default_factory=list)
    routes: list[RouteConfig] = Field(default_factory=list)
    slos: list[SloConfig] = Field(default_factory=list)
    maintenance: list[MaintenanceConfig] = Field(default_factory=list)
    inhibit_rules: list[InhibitRuleConfig] = Field(default_factory=list)
    web: WebConfig = Field(default_factory=WebConfig)
    status_pages: list[StatusPageConfig] = Field(default_factory=list)
    backups: BackupList = Field(default_factory=list)
    capacity: CapacityConfig = Field(default_factory=CapacityConfig)
    cost: CostConfig = Field(default_factory=CostConfig)
    scaling: list[ScalingPolicy] = Field(default_factory=list)
    reports: ReportsConfig = Field(default_factory=ReportsConfig)
    ladder: LadderConfig = Field(default_factory=LadderConfig)
    secrets: list[SecretRecord] = Field(
        default_factory=list, description="Rotation inventory: names and dates, never values."
    )
    deploys: DeploysConfig = Field(default_factory=DeploysConfig)
    scan: ScanSection = Field(default_factory=ScanSection)
    agents: AgentsConfig = Field(default_factory=AgentsConfig)
    rum: RumConfig = Field(default_factory=RumConfig)

    @model_validator(mode="after")
    def _unique_names(self) -> WardenConfig:
        seen: dict[str, int] = {}
        for i, m in enumerate(self.monitors):
            if m.name in seen:
                raise ValueError(
                    f"monitors[{i}].name: {m.name!r} is already used by monitors[{seen[m.name]}]"
                )
            seen[m.name] = i
        names: dict[str, int] = {}
        for i, c in enumerate(self.collectors):
            n = c.display_name()
            if n in names:
                raise ValueError(f"collectors[{i}].name: {n!r} is used twice; give each a name")
            names[n] = i
        return self

    def monitor(self, name: str) -> MonitorBase:
        for m in self.monitors:
            if m.name == name:
                return m
        raise KeyError(name)


def _one_of(kind: str, types: list[str]) -> Any:
    def check(self: Any) -> Any:
        given = [t for t in types if getattr(self, t) is not None]
        if len(given) != 1:
            choices = ", ".join(types)
            if not given:
                raise ValueError(f"needs one {kind} type key: one of {choices}")
            raise ValueError(f"has {len(given)} {kind} types ({', '.join(given)}); give one")
        return self

    return model_validator(mode="after")(check)


@functools.cache
def build_model() -> type[WardenConfig]:
    """``WardenConfig`` with one optional key per registered probe and collector type."""
    from warden import collectors, probes

    probes.load_all()
    collectors.load_all()
    probe_fields: dict[str, Any] = {
        name: (cls.config_model | None, None) for name, cls in probes.REGISTRY.items()
    }
    monitor = create_model(
        "Monitor",
        __base__=MonitorBase,
        __validators__={"_one_probe": _one_of("probe", list(probe_fields))},
        **probe_fields,
    )
    coll_fields: dict[str, Any] = {
        name: (cls.config_model | None, None) for name, cls in collectors.REGISTRY.items()
    }
    collector = create_model(
        "Collector",
        __base__=CollectorBase,
        __validators__={"_one_collector": _one_of("collector", list(coll_fields))},
        **coll_fields,
    )
    root = create_model(
        "WardenConfig",
        __base__=WardenConfig,
        monitors=(list[monitor], Field(default_factory=list)),
        collectors=(list[collector], Field(default_factory=list)),
    )
    return cast(type[WardenConfig], root)
