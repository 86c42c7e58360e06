"""Database backups kept for less than a week (or off)."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Severity
from warden.scan._base import ScanCheck, register
from warden.scan._model import ScanFacts, ScanFinding, known, truthy

MIN_DAYS = 7
_FIX = (
    f"Keep automated backups at least {MIN_DAYS} days (backup_retention_period = 7 or more; "
    "35 is the RDS maximum)."
)


@register
class BackupRetention(ScanCheck):
    type = "dr.backup_retention"
    finding_ids = ("dr.backup_retention",)
    reference = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.html"

    def run(self, facts: ScanFacts) -> Iterator[ScanFinding]:
        for r in facts.of_type("aws_db_instance", "aws_rds_cluster"):
            if r.get("replicate_source_db"):
                continue
            days = r.get("backup_retention_period")
            if days is None:
                yield self.finding(
                    "dr.backup_retention",
                    Severity.HIGH,
                    r,
                    "backup_retention_period is not set (the default keeps 1 day)",
                    _FIX,
                )
            elif known(days) and isinstance(days, int | float) and days < MIN_DAYS:
                yield self.finding(
                    "dr.backup_retention",
                    Severity.HIGH,
                    r,
                    f"backups are kept {days:g} days (< {MIN_DAYS})",
                    _FIX,
                    line=r.line_of("backup_retention_period"),
                )
        for r in facts.of_type("google_sql_database_instance"):
            enabled = truthy(r.get("settings", "backup_configuration", "enabled"))
            kept = r.get(
                "settings", "backup_configuration", "backup_retention_settings", "retained_backups"
            )
            if (enabled is not True and enabled is not None) or not r.get(
                "settings", "backup_configuration"
            ):
                yield self.finding(
                    "dr.backup_retention",
                    Severity.HIGH,
                    r,
                    "automated backups are off",
                    "Enable settings.backup_configuration with at "
                    f"least {MIN_DAYS} retained backups.",
                    line=r.line_of("settings.backup_configuration.enabled"),
                )
            elif isinstance(kept, int) and kept < MIN_DAYS:
                yield self.finding(
                    "dr.backup_retention",
                    Severity.HIGH,
                    r,
                    f"{kept} backups retained (< {MIN_DAYS})",
                    _FIX,
                )
