"""The ``alerts:``, ``receivers:``, ``routes:``, ``slos:`` and ``maintenance:`` sections.

An alert rule holds exactly one condition: ``state`` (a monitor is down), ``check`` (an
aggregation over stored check results) or ``metric`` (an aggregation over stored samples).
Receivers list where notifications go (Apprise URLs, Alertmanager-style webhooks, an
Alertmanager's API); routes pick receivers by label matchers, in order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from warden.config._base import ConfigModel
from warden.config._types import Duration, SecretUrl


def _matcher(text: str) -> str:
    from warden.alerting.matchers import parse_matcher

    parse_matcher(text)
    return text


MatcherText = Annotated[str, AfterValidator(_matcher)]
"""One label matcher (``severity=~"critical|high"``), refused at load when malformed."""

Severity = Literal["critical", "high", "medium", "low"]
SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low")
Op = Literal[">", ">=", "<", "<=", "==", "!="]
Agg = Literal[
    "avg", "max", "min", "last", "sum", "count", "rate", "ratio", "p50", "p90", "p95", "p99",
    "forecast",
]  # fmt: skip


class StateCondition(ConfigModel):
    """Fires per monitor whose confirmed state is down (optionally after N failed checks)."""

    monitors: list[str] = Field(
        default_factory=lambda: ["*"], description="Monitor names or globs (`api-*`)."
    )
    group: str | None = Field(None, description="Only monitors of this group.")
    failures: int = Field(1, ge=1, description="Failed checks in a row needed.")


class CheckCondition(ConfigModel):
    """An aggregation over stored check results of each selected monitor, compared."""

    monitors: list[str] = Field(default_factory=lambda: ["*"])
    group: str | None = None
    value: str = Field(
        "latency",
        description="latency, down (1 per failed check), or a probe metric (cert_days_left).",
    )
    agg: Agg = "avg"
    window: Duration = 300.0
    op: Op = ">"
    threshold: float


class MetricCondition(ConfigModel):
    """An aggregation over stored samples of one series name, per label set, compared."""

    series: str = Field(description="Sample name, e.g. host_cpu_percent.")
    labels: dict[str, str] = Field(default_factory=dict, description="Only series with these.")
    agg: Agg = "avg"
    window: Duration = 300.0
    over: str | None = Field(None, description="For agg=ratio: the denominator series.")
    horizon: Duration = Field(86400.0, description="For agg=forecast: how far to project.")
    min_history: Duration | None = Field(
        None,
        description="Span the points must cover before the rule is judged (agg=forecast: half "
        "the window by default, so a fresh start projects nothing from a minute of samples).",
    )
    op: Op = ">"
    threshold: float
    annotate: dict[str, str] = Field(
        default_factory=dict,
        description="Annotations from other series: NAME: SERIES puts the newest value of "
        "SERIES with the alert's labels in annotation NAME (e.g. a forecast's range).",
    )

    def needed_history(self) -> float:
        if self.min_history is not None:
            return self.min_history
        return self.window / 2 if self.agg == "forecast" else 0.0


class FlappingCondition(ConfigModel):
    """Fires per monitor whose stored results changed between up and down too often."""

    monitors: list[str] = Field(default_factory=lambda: ["*"])
    group: str | None = None
    changes: int = Field(6, ge=2, description="State changes within the window to count.")
    window: Duration = 1800.0


class AlertRule(ConfigModel):
    name: str
    state: StateCondition | None = None
    check: CheckCondition | None = None
    metric: MetricCondition | None = None
    flapping: FlappingCondition | None = None
    for_: Duration = Field(0.0, alias="for", description="Condition must hold this long.")
    severity: Severity = "high"
    labels: dict[str, str] = Field(default_factory=dict)
    summary: str = Field("", description="One line; {monitor}, {value} and labels expand.")
    description: str = ""
    runbook: str | None = None
    enabled: bool = True

    @model_validator(mode="after")
    def _one_condition(self) -> AlertRule:
        given = [k for k in CONDITIONS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("needs exactly one condition: state, check, metric or flapping")
        return self

    def kind(self) -> str:
        return next(k for k in CONDITIONS if getattr(self, k) is not None)


CONDITIONS: tuple[str, ...] = ("state", "check", "metric", "flapping")


class WebhookTarget(ConfigModel):
    url: SecretUrl
    timeout: Duration = 10.0
    max_alerts: int = Field(0, ge=0, description="Send at most this many alerts (0: all).")


class AlertmanagerTarget(ConfigModel):
    url: SecretUrl = Field(description="Base URL, e.g. http://127.0.0.1:9093")
    timeout: Duration = 10.0


class FileTarget(ConfigModel):
    path: Path = Field(description="Local file that gets one JSON line per notification.")


def _template(text: str) -> str:
    from warden.notify.templates import check

    return check(text)


TemplateText = Annotated[str, AfterValidator(_template)]


class MessageTemplates(ConfigModel):
    """Jinja2 templates of a receiver's chat/e-mail (Apprise) messages; see alerting.md."""

    title: TemplateText | None = Field(None, description="One line, e.g. '{{ status }}: ...'.")
    body: TemplateText | None = Field(None, description="The message text.")


class ReceiverConfig(ConfigModel):
    name: str
    templates: MessageTemplates | None = Field(
        None, description="Message templates of this receiver's Apprise (chat/e-mail) messages."
    )
    apprise: list[SecretUrl] = Field(default_factory=list, description="Apprise URLs.")
    webhook: list[WebhookTarget] = Field(default_factory=list)
    alertmanager: list[AlertmanagerTarget] = Field(default_factory=list)
    file: list[FileTarget] = Field(default_factory=list)


class RouteConfig(ConfigModel):
    receiver: str
    matchers: list[MatcherText] = Field(
        default_factory=list, description='Alertmanager-style: severity=~"critical|high"'
    )
    group_by: list[str] = Field(default_factory=lambda: ["alertname"])
    group_wait: Duration = 0.0
    group_interval: Duration = 60.0
    repeat_interval: Duration = 4 * 3600.0
    continue_: bool = Field(False, alias="continue")


class HistogramSli(ConfigModel):
    """A latency SLI from a stored histogram (a scraped one, or an access log's per-route
    ``http_route_duration_seconds``): good requests are those at most ``le`` seconds."""

    series: str = Field(description="Histogram name, e.g. http_request_duration_seconds.")
    labels: dict[str, str] = Field(default_factory=dict, description="Only series with these.")
    le: Duration = Field(
        gt=0, description="Good: at most this long; give one of the histogram's bucket bounds."
    )


class SloConfig(ConfigModel):
    name: str
    monitors: list[str] = Field(default_factory=list)
    group: str | None = None
    objective: float = Field(gt=0, lt=100, description="Percent good, e.g. 99.9")
    window: Duration = 30 * 86400.0
    latency: Duration | None = Field(
        None, description="Latency SLO: a check is good when up and at most this slow."
    )
    page_severity: Severity = "critical"
    ticket_severity: Severity = "medium"
    alerts: bool = True
    min_events: int = Field(
        100,
        ge=1,
        description="Checks a burn-rate rule's long window must hold before it is judged, so "
        "one failure on a young store is not a 27x burn.",
    )
    histogram: HistogramSli | None = Field(
        None, description="Measure requests from a stored histogram instead of checks."
    )

    @model_validator(mode="after")
    def _source(self) -> SloConfig:
        if self.histogram is not None and (self.monitors or self.group or self.latency):
            raise ValueError("a histogram SLO takes no monitors, group or latency (use le)")
        return self


class MaintenanceConfig(ConfigModel):
    name: str
    matchers: list[MatcherText] = Field(default_factory=list)
    start: str | None = Field(None, description="One-off: ISO time (UTC if no offset).")
    end: str | None = None
    cron: str | None = Field(None, description="Recurring: when each window opens.")
    duration: Duration | None = Field(None, description="Recurring: how long each window lasts.")
    description: str = Field(
        "", max_length=500, description="Shown on status pages that list the window (public)."
    )

    @model_validator(mode="after")
    def _shape(self) -> MaintenanceConfig:
        if self.cron is not None:
            from croniter import croniter

            if not croniter.is_valid(self.cron):
                raise ValueError(f"cron {self.cron!r} is not a valid cron expression")
            if self.duration is None:
                raise ValueError("a recurring window (cron) needs a duration")
        elif self.start is None or self.end is None:
            raise ValueError("give start and end (one-off) or cron and duration (recurring)")
        return self


class InhibitRuleConfig(ConfigModel):
    """Alertmanager's inhibit rule: while an alert matching ``source_matchers`` fires, alerts
    matching ``target_matchers`` with the same values of the ``equal`` labels are muted."""

    source_matchers: list[MatcherText] = Field(min_length=1)
    target_matchers: list[MatcherText] = Field(min_length=1)
    equal: list[str] = Field(default_factory=list, description="Labels both must share.")


class AlertingConfig(ConfigModel):
    """Settings of the alert evaluator itself (``alerting:`` section)."""

    evaluation_interval: Duration = Field(5.0, description="Time between evaluation rounds.")
    query_interval: Duration = Field(
        60.0,
        description="Rules that query the store (check, metric, flapping, SLO) run this often.",
    )
    builtin_rules: bool = Field(True, description="Use the built-in rule pack.")
    runbooks_dir: Path | None = Field(
        None,
        description="Your own runbooks (NAME.md), served at /runbooks/NAME before the shipped "
        "ones; link them from a rule with runbook: /runbooks/NAME.",
    )
