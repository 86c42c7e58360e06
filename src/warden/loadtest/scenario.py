"""Scenario files: the YAML a load test is written in, validated with file, line and key.

A scenario names one target origin, the requests (with weights, methods, headers, bodies,
``{{variables}}`` and checks), the load model and its level, the shape (a preset or hand-written
stages), the bounds (duration, request count, timeout) and the thresholds. ``load_scenario``
reads a file and raises ``ConfigError`` listing every problem as ``file:line: path: message``.
See docs/loadtest.md for the reference.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from warden.config._base import ConfigModel
from warden.config._types import Duration
from warden.config._yaml import LineMap, format_path, load_yaml
from warden.errors import ConfigError, ConfigIssue
from warden.loadtest.checks import parse_json_path, parse_status_spec
from warden.loadtest.templates import VAR_RE
from warden.loadtest.thresholds import parse_threshold

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class JsonCheck(ConfigModel):
    path: str = Field(description="JSON path into the body, e.g. $.items[0].id")
    equals: Any = Field(None, description="The value it must have (any JSON value).")
    exists: bool = Field(True, description="false: the path must be absent.")

    @field_validator("path")
    @classmethod
    def _path(cls, v: str) -> str:
        parse_json_path(v)
        return v


class CheckSpec(ConfigModel):
    """One check; give exactly one of the keys."""

    status: int | str | list[int | str] | None = Field(
        None, description="Allowed status: 200, '200-299', '2xx' or a list of them."
    )
    body_contains: str | None = Field(None, description="Text the body must contain.")
    body_regex: str | None = Field(None, description="Regular expression the body must match.")
    json_: JsonCheck | None = Field(None, alias="json", description="A JSON path check.")

    @model_validator(mode="after")
    def _one(self) -> CheckSpec:
        given = [k for k in ("status", "body_contains", "body_regex", "json_") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("give exactly one of status, body_contains, body_regex, json")
        if self.status is not None:
            parse_status_spec(self.status)
        return self


class RequestSpec(ConfigModel):
    name: str | None = Field(None, description="Name in reports (default: METHOD path).")
    method: str = Field("GET", description="HTTP method.")
    path: str = Field("/", description="Path and query, relative to the target; may use {{var}}.")
    weight: float = Field(1.0, gt=0, description="Relative share of this request in the mix.")
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = Field(None, description="Request body; may use {{var}}.")
    json_body: Any = Field(None, alias="json", description="A JSON body (sets Content-Type).")
    checks: list[CheckSpec] = Field(default_factory=list)

    @field_validator("method")
    @classmethod
    def _method(cls, v: str) -> str:
        up = v.upper()
        if up not in METHODS:
            hint = " (HEAD is not supported)" if up == "HEAD" else ""
            raise ValueError(f"must be one of {', '.join(METHODS)}{hint}")
        return up

    @field_validator("path")
    @classmethod
    def _path(cls, v: str) -> str:
        if not v.startswith("/"):
            raise ValueError("must start with / (the target gives scheme, host and port)")
        if any(c in VAR_RE.sub("", v) for c in " \r\n"):
            raise ValueError("must not contain spaces or line breaks (percent-encode them)")
        return v

    @field_validator("headers")
    @classmethod
    def _headers(cls, v: dict[str, str]) -> dict[str, str]:
        for key, value in v.items():
            if not key or any(c in key for c in " :\r\n") or any(c in value for c in "\r\n"):
                raise ValueError(f"header {key!r} has a bad name or a line break in its value")
            if key.lower() in ("host", "content-length", "transfer-encoding", "connection"):
                raise ValueError(f"header {key!r} is set by Warden")
        return v

    @model_validator(mode="after")
    def _body(self) -> RequestSpec:
        if self.body is not None and self.json_body is not None:
            raise ValueError("give either body or json, not both")
        return self

    def display_name(self) -> str:
        return self.name or f"{self.method} {self.path}"


class StageSpec(ConfigModel):
    duration: Duration = Field(description="How long this stage lasts.")
    target: float = Field(ge=0, description="Rate (open model) or virtual users (closed).")
    ramp: bool = Field(True, description="Ramp linearly from the previous level (else jump).")
    label: str = ""


class ThinkTime(ConfigModel):
    min: Duration = 0.0
    max: Duration = 0.0

    @model_validator(mode="after")
    def _order(self) -> ThinkTime:
        if self.max < self.min:
            raise ValueError("max must be at least min")
        return self


class CsvSource(ConfigModel):
    file: str = Field(description="CSV file with a header line; relative to the scenario.")
    delimiter: str = Field(",", min_length=1, max_length=1)


class SequenceSource(ConfigModel):
    start: int = 1
    step: int = 1


class VariablesSpec(ConfigModel):
    csv: CsvSource | None = None
    sequences: dict[str, SequenceSource] = Field(default_factory=dict)

    @field_validator("csv", mode="before")
    @classmethod
    def _csv_shorthand(cls, v: Any) -> Any:
        return {"file": v} if isinstance(v, str) else v

    @field_validator("sequences")
    @classmethod
    def _names(cls, v: dict[str, SequenceSource]) -> dict[str, SequenceSource]:
        for name in v:
            if not name.isidentifier():
                raise ValueError(f"variable name {name!r} must use letters, digits and _")
        return v


class ThresholdSpec(ConfigModel):
    expr: str = Field(description="e.g. 'p95 < 200ms'")
    abort: bool | None = Field(
        None,
        description="Stop the run when the window fails it (default: yes for the stress and "
        "breakpoint presets, no otherwise).",
    )

    @field_validator("expr")
    @classmethod
    def _parse(cls, v: str) -> str:
        parse_threshold(v)
        return v


def _threshold_text(v: str) -> str:
    parse_threshold(v)
    return v


ThresholdText = Annotated[str, AfterValidator(_threshold_text)]


def _threshold_form(v: object) -> str:
    return "str" if isinstance(v, str) else "ThresholdSpec"


# A string or a mapping, told apart up front so a bad one gets one error, not one per form.
ThresholdItem = Annotated[
    Annotated[ThresholdSpec, Tag("ThresholdSpec")] | Annotated[ThresholdText, Tag("str")],
    Discriminator(_threshold_form),
]


class Scenario(ConfigModel):
    """A load test, as written in a scenario file or built from command-line options."""

    name: str = "load test"
    target: str = Field(description="Origin (and optional path prefix): http://127.0.0.1:8080")
    model: Literal["open", "closed"] = "open"
    rate: float | None = Field(None, gt=0, description="Open model: normal rate (req/s).")
    vus: int | None = Field(None, gt=0, description="Closed model: normal virtual users.")
    think_time: ThinkTime | Duration = Field(0.0, description="Closed model: pause after each.")
    preset: Literal["baseline", "stress", "spike", "soak", "breakpoint"] | None = None
    peak: float | None = Field(None, ge=1, description="Preset peak as a multiple of normal.")
    duration: Duration | None = Field(None, description="Run length (default per preset).")
    stages: list[StageSpec] | None = None
    max_requests: int = Field(10_000_000, ge=1, description="Hard cap on requests sent.")
    timeout: Duration = Field(10.0, description="Per-request timeout.")
    connections: int = Field(512, ge=1, description="Open model: most connections at once.")
    processes: int | None = Field(
        None, ge=1, le=256, description="Worker processes here (default: one per core)."
    )
    workers: list[str] | None = Field(
        None,
        description="Remote workers (`warden load worker`) as host:port; they generate the "
        "load and this machine only controls the run.",
    )
    window: Duration = Field(10.0, description="Sliding window for thresholds during the run.")
    late_after: Duration = Field(0.01, description="A request starting later counts as late.")
    headers: dict[str, str] = Field(default_factory=dict, description="Sent with every request.")
    variables: VariablesSpec | None = None
    requests: list[RequestSpec] = Field(default_factory=lambda: [RequestSpec()])
    thresholds: list[ThresholdItem] = Field(default_factory=list)
    databases: list[str] = Field(
        default_factory=list, description="Collectors of warden.yaml to sample during the run."
    )
    allow_remote: bool = Field(False, description="Allow a target that is not loopback.")
    tls_verify: bool = True

    @model_validator(mode="before")
    @classmethod
    def _workers_count(cls, data: Any) -> Any:
        """``workers: N`` is the older spelling of ``processes: N``."""
        if isinstance(data, dict) and isinstance(data.get("workers"), int):
            data = dict(data)
            data.setdefault("processes", data.pop("workers"))
        return data

    @field_validator("workers")
    @classmethod
    def _addresses(cls, v: list[str] | None) -> list[str] | None:
        if v is not None and (not v or any(not a.strip() for a in v)):
            raise ValueError("give one host:port per worker")
        return v

    @field_validator("target")
    @classmethod
    def _target(cls, v: str) -> str:
        parts = urlsplit(v)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL with a host")
        if parts.query or parts.fragment:
            raise ValueError("must not have a query or fragment (put them in the requests)")
        try:
            parts.port  # noqa: B018 - raises for a bad port
        except ValueError as exc:
            raise ValueError(f"bad port: {exc}") from None
        return v.rstrip("/")

    @field_validator("stages")
    @classmethod
    def _stages(cls, v: list[StageSpec] | None) -> list[StageSpec] | None:
        if v is not None and not v:
            raise ValueError("give at least one stage")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        if self.stages is not None and self.preset is not None:
            raise ValueError("give either stages or a preset, not both")
        level = self.rate if self.model == "open" else self.vus
        if self.stages is None and level is None:
            need = "rate (requests per second)" if self.model == "open" else "vus"
            raise ValueError(f"the {self.model} model needs {need}, or stages")
        if self.model == "open" and self.vus is not None:
            raise ValueError("vus is for the closed model (model: closed); use rate")
        if self.model == "closed" and self.rate is not None:
            raise ValueError("rate is for the open model; the closed model uses vus")
        names = [r.display_name() for r in self.requests]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"request names must be unique: {', '.join(dupes)}")
        if not self.requests:
            raise ValueError("give at least one request")
        return self

    def threshold_specs(self) -> list[ThresholdSpec]:
        return [ThresholdSpec(expr=t) if isinstance(t, str) else t for t in self.thresholds]

    def think(self) -> tuple[float, float]:
        if isinstance(self.think_time, ThinkTime):
            return self.think_time.min, self.think_time.max
        return float(self.think_time), float(self.think_time)


def load_scenario(path: str | Path, env: dict[str, str] | None = None) -> Scenario:
    """Read and validate a scenario file; raises ConfigError with file:line for each issue."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([ConfigIssue(file, None, "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([ConfigIssue(file, None, "", f"cannot read: {exc}")]) from exc
    return parse_scenario(text, file, dict(os.environ) if env is None else env)


def parse_scenario(
    text: str, file: str = "<scenario>", env: dict[str, str] | None = None
) -> Scenario:
    data, lines, issues = load_yaml(text, file, env or {})
    if data is None or issues:
        raise ConfigError(issues)
    if not isinstance(data, dict):
        raise ConfigError([ConfigIssue(file, 1, "", "a scenario is a mapping of keys")])
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_issues(exc, lines, file, data)) from None


_UNION_TAGS = (
    "ThinkTime",
    "ThresholdSpec",
    "function-after",
    "function-before",
    "str",
    "int",
    "float",
    "list",
    "constrained-str",
)


def _issues(exc: ValidationError, lines: LineMap, file: str, data: Any) -> list[ConfigIssue]:
    out: list[ConfigIssue] = []
    seen: set[str] = set()
    for err in exc.errors(include_url=False):
        path = tuple(p for p in err["loc"] if not (isinstance(p, str) and _is_tag(p, data)))
        where = format_path(path)
        message = str(err["msg"])
        for prefix in ("Value error, ", "Assertion failed, "):
            message = message.removeprefix(prefix)
        if err["type"] == "extra_forbidden":
            message = "unknown key"
        elif err["type"] == "missing":
            message = "required key is missing"
        if where in seen:  # one message per key (unions report each member)
            continue
        seen.add(where)
        out.append(ConfigIssue(file, lines.line(path), where, message))
    return sorted(out, key=lambda i: i.line or 0)


def _is_tag(part: str, data: Any) -> bool:
    return part in _UNION_TAGS or "[" in part or part.startswith("function-")
