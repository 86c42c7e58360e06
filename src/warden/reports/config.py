"""The ``reports:`` section: when ``warden up`` sends the daily check, and to which receiver."""

from __future__ import annotations

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


class ReportsConfig(ConfigModel):
    daily: DailyReportConfig | None = None
