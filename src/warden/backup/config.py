"""The ``backups:`` section of warden.yaml: what to back up, where, how often, and how to drill it.

Each entry names a ``source`` and a ``repository``, both selected by their ``type:`` key and
validated by the model their plugin registered, so an error reads
``backups[0].source.url: ...``. The encryption key comes from an environment variable
(``key_env``) or a file (``key_file``), never from the YAML itself. ``schedule`` and
``drill.schedule`` are cron strings checked with croniter; ``rpo`` and ``rto`` are the recovery
targets that ``warden dr report`` and the backup metrics compare against.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Annotated, Any

from croniter import croniter
from pydantic import (
    AfterValidator,
    Field,
    PlainValidator,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from warden.backup.repos._base import REPOSITORIES, RepositoryConfig
from warden.backup.sources._base import SOURCES, SourceConfig
from warden.config._base import ConfigModel
from warden.config._types import ByteSize, Duration, check_name

_ENV_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_cron(value: str | None) -> str | None:
    """A cron string croniter accepts (5 fields, or 6 with seconds), else ValueError."""
    if value is None:
        return None
    text = value.strip()
    if not croniter.is_valid(text):
        raise ValueError(f"{value!r} is not a valid cron schedule (e.g. '0 3 * * *')")
    return text


def _plugin_config(kind: str, data: Any, load: Any, registry: Any) -> Any:
    """Validate ``data`` with the model registered for its ``type``, keeping nested error paths."""
    if isinstance(data, SourceConfig | RepositoryConfig):
        return data
    if not isinstance(data, dict):
        raise PydanticCustomError("plugin_type", "must be a mapping with a 'type' key")
    load()
    type_ = data.get("type")
    if type_ not in registry:
        known = ", ".join(registry)
        raise PydanticCustomError(
            "plugin_type", f"{kind} type {type_!r} is unknown; use one of: {known}"
        )
    model = registry.get(type_).config_model
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _with_key_hints(exc, model) from None


def _with_key_hints(exc: ValidationError, model: type[ConfigModel]) -> ValidationError:
    """Turn ``extra_forbidden`` errors into "unknown key; did you mean ..." for plugin models."""
    details: list[InitErrorDetails] = []
    allowed = sorted(model.model_fields)
    for err in exc.errors(include_url=False):
        if err["type"] == "extra_forbidden" and len(err["loc"]) == 1:
            close = difflib.get_close_matches(str(err["loc"][0]), allowed, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            message = f"unknown key{hint} (allowed: {', '.join(allowed)})"
            details.append(
                {
                    "type": PydanticCustomError("unknown_key", message),
                    "loc": err["loc"],
                    "input": err["input"],
                }
            )
        else:
            details.append(
                {
                    "type": PydanticCustomError(err["type"], err["msg"]),
                    "loc": err["loc"],
                    "input": err.get("input"),
                }
            )
    return ValidationError.from_exception_data(model.__name__, details)


def _source(data: Any) -> SourceConfig:
    from warden.backup import sources

    result: SourceConfig = _plugin_config("source", data, sources.load_all, SOURCES)
    return result


def _repository(data: Any) -> RepositoryConfig:
    from warden.backup import repos

    result: RepositoryConfig = _plugin_config("repository", data, repos.load_all, REPOSITORIES)
    return result


_PLUGIN_SCHEMA = {"type": "object", "required": ["type"], "additionalProperties": True}

AnySource = Annotated[SourceConfig, PlainValidator(_source), WithJsonSchema(_PLUGIN_SCHEMA)]
AnyRepository = Annotated[
    RepositoryConfig, PlainValidator(_repository), WithJsonSchema(_PLUGIN_SCHEMA)
]


class RetentionPolicy(ConfigModel):
    """Grandfather-father-son retention: how many complete backups each rule keeps."""

    keep_last: int = Field(0, ge=0, description="The newest N backups.")
    hourly: int = Field(0, ge=0, description="The newest backup of each of the last N hours.")
    daily: int = Field(0, ge=0, description="The newest backup of each of the last N days.")
    weekly: int = Field(0, ge=0, description="The newest backup of each of the last N ISO weeks.")
    monthly: int = Field(0, ge=0, description="The newest backup of each of the last N months.")
    yearly: int = Field(0, ge=0, description="The newest backup of each of the last N years.")
    incomplete_after: Duration = Field(
        86400.0,
        description="Failed or interrupted attempts older than this are removed by prune.",
    )

    def is_empty(self) -> bool:
        """No rule set: prune keeps every complete backup."""
        return not any(
            (self.keep_last, self.hourly, self.daily, self.weekly, self.monthly, self.yearly)
        )


class DrillQuery(ConfigModel):
    """One verification query run on the restored copy (and on the source, to compare)."""

    name: str = Field(description="Shown in the drill result.")
    query: str = Field(description="SQL for databases; a command such as 'DBSIZE' for Redis.")
    database: str | None = Field(
        None, description="Which backed-up database to ask (when the backup has several)."
    )
    compare: bool = Field(True, description="Run it on the source too; values must be equal.")
    expect: str | None = Field(None, description="The restored copy must return exactly this.")
    min: float | None = Field(None, description="The restored copy must return at least this.")


class DrillConfig(ConfigModel):
    """How ``warden dr drill`` proves this backup restores."""

    schedule: str | None = Field(None, description="Cron schedule for drills under `warden up`.")
    scratch: str | None = Field(
        None,
        description="Where to restore: a server URL for databases (a scratch database with a "
        "unique name is created there and dropped after), a directory for files. Default: the "
        "source's own server, or a temporary directory.",
    )
    row_counts: list[str] = Field(
        default_factory=list, description="Tables whose row counts are checked."
    )
    queries: list[DrillQuery] = Field(default_factory=list)
    compare_source: bool = Field(
        True, description="Compare built-in facts (file count, sizes, digest) with the source."
    )

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, v: str | None) -> str | None:
        return check_cron(v)


class BackupConfig(ConfigModel):
    """One backup: a source streamed through zstd and AES-256-GCM into a repository."""

    name: str = Field(description="Unique name; used by the CLI, metrics and the repository.")
    source: AnySource
    repository: AnyRepository
    key_env: str | None = Field(None, description="Environment variable holding the key.")
    key_file: Path | None = Field(None, description="File holding the key (mode 0600).")
    schedule: str | None = Field(None, description="Cron schedule for `warden up`.")
    rpo: Duration | None = Field(None, description="Recovery point objective: max backup age.")
    rto: Duration | None = Field(None, description="Recovery time objective: max restore time.")
    retention: RetentionPolicy = Field(default_factory=RetentionPolicy)
    compression_level: int = Field(3, ge=1, le=22, description="zstd level.")
    compression_threads: int = Field(
        0, ge=0, le=64, description="zstd worker threads; 0 compresses in the backup thread."
    )
    chunk_size: ByteSize = Field(
        1 << 20, description="Plaintext bytes per encrypted chunk (64KiB..64MiB)."
    )
    drill: DrillConfig | None = None
    enabled: bool = True

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return check_name(v)

    @field_validator("key_env")
    @classmethod
    def _key_env(cls, v: str | None) -> str | None:
        if v is not None and not _ENV_RE.match(v):
            raise ValueError(f"{v!r} is not an environment variable name")
        return v

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, v: str | None) -> str | None:
        return check_cron(v)

    @field_validator("chunk_size")
    @classmethod
    def _chunk_size(cls, v: int) -> int:
        if not 64 * 1024 <= v <= 64 * 1024 * 1024:
            raise ValueError("must be between 64KiB and 64MiB")
        return v

    @model_validator(mode="after")
    def _one_key(self) -> BackupConfig:
        if (self.key_env is None) == (self.key_file is None):
            raise ValueError("give the encryption key as exactly one of key_env or key_file")
        return self


def _unique_names(backups: list[BackupConfig]) -> list[BackupConfig]:
    seen: dict[str, int] = {}
    for i, b in enumerate(backups):
        if b.name in seen:
            raise ValueError(f"name {b.name!r} is used by backups[{seen[b.name]}] and backups[{i}]")
        seen[b.name] = i
    return backups


BackupList = Annotated[list[BackupConfig], AfterValidator(_unique_names)]
"""The type of ``WardenConfig.backups``: a list whose names are unique."""
