"""The ``reports:`` section: when ``warden up`` sends the daily check and the weekly scorecard,
and to which receiver."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from warden.config._base import ConfigModel
from warden.config._types import Duration


class DailyReportConfig(ConfigModel):
    schedule: str = Field("0 8 * * *", description="Cron (UTC) of each send.")
    receiver: str = Field(description="A receiver of `receivers:` (chat, e-mail, webhook, file).")
    since: Duration = Field(86400.0, description="The period each report covers.")

    @field_validator("schedule")
    @classmethod
    def _cron(cls, v: str) -> str:
        from warden.engine.jobs import valid_cron

        return valid_cron(v)


class WeeklyReportConfig(ConfigModel):
    schedule: str = Field("0 8 * * 1", description="Cron (UTC) of each send (Monday 08:00).")
    receiver: str = Field(description="A receiver of `receivers:` (chat, e-mail, webhook, file).")

    @field_validator("schedule")
    @classmethod
    def _cron(cls, v: str) -> str:
        from warden.engine.jobs import valid_cron

        return valid_cron(v)


class ReportsConfig(ConfigModel):
    daily: DailyReportConfig | None = None
    weekly: WeeklyReportConfig | None = Field(
        None, description="Send the seven-point scorecard of the week that ended."
    )


class SecretRecord(ConfigModel):
    """One secret of the rotation inventory (its value never goes here)."""

    name: str
    last_rotated: str = Field(description="ISO date or time it was last rotated (UTC if bare).")
    max_age: Duration = Field(90 * 86400.0, description="Rotate at least this often.")
    owner: str = ""

    @field_validator("last_rotated")
    @classmethod
    def _when(cls, v: str) -> str:
        parse_date(v)
        return v

    def rotated_at(self) -> float:
        return parse_date(self.last_rotated)


def parse_date(text: str) -> float:
    """An ISO date or time as epoch seconds (UTC when it has no offset); ValueError else."""
    import datetime as dt

    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO date (2026-11-30) or time") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp()


Claim = Literal[
    "automated_deploys", "load_balancer", "multi_region", "automated_failover",
    "point_in_time_recovery", "multi_az", "automated_incident_response",
]  # fmt: skip


class LadderConfig(ConfigModel):
    """What ``warden ladder`` cannot measure from here but you have in place."""

    claims: list[Claim] = Field(
        default_factory=list, description="Shown as declared, never as measured."
    )
