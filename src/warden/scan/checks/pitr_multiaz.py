"""Production databases without point-in-time recovery or a standby in another zone."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Severity
from warden.scan._base import ScanCheck, register
from warden.scan._model import ScanFacts, ScanFinding, truthy


@register
class PitrMultiAz(ScanCheck):
    type = "dr.pitr_multi_az"
    finding_ids = ("dr.no_pitr", "dr.no_multi_az")
    reference = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.html"

    def run(self, facts: ScanFacts) -> Iterator[ScanFinding]:
        prod = [r for r in facts.resources if r.production]
        for r in prod:
            if r.type == "aws_db_instance" and not r.get("replicate_source_db"):
                if truthy(r.get("multi_az")) is not True:
                    yield self.finding(
                        "dr.no_multi_az",
                        Severity.HIGH,
                        r,
                        "production database "
                        "without a Multi-AZ standby: a zone outage takes it down",
                        "Set multi_az = true.",
                        line=r.line_of("multi_az"),
                    )
                if r.get("backup_retention_period") == 0:
                    yield self.finding(
                        "dr.no_pitr",
                        Severity.HIGH,
                        r,
                        "backups are off, so there is no point-in-time recovery",
                        "Set backup_retention_period >= 7 (enables PITR).",
                        line=r.line_of("backup_retention_period"),
                    )
            elif r.type == "aws_dynamodb_table":
                if truthy(r.get("point_in_time_recovery", "enabled")) is not True:
                    yield self.finding(
                        "dr.no_pitr",
                        Severity.HIGH,
                        r,
                        "production table without point-in-time recovery",
                        "Add point_in_time_recovery { enabled = true }.",
                        line=r.line_of("point_in_time_recovery.enabled"),
                    )
            elif r.type == "aws_elasticache_replication_group":
                if truthy(r.get("multi_az_enabled")) is not True:
                    yield self.finding(
                        "dr.no_multi_az",
                        Severity.HIGH,
                        r,
                        "production cache without Multi-AZ",
                        "Set multi_az_enabled = true and automatic_failover_enabled = true.",
                        line=r.line_of("multi_az_enabled"),
                    )
            elif r.type == "google_sql_database_instance":
                if r.get("settings", "availability_type") != "REGIONAL":
                    yield self.finding(
                        "dr.no_multi_az",
                        Severity.HIGH,
                        r,
                        "production Cloud SQL instance is zonal",
                        'Set availability_type = "REGIONAL".',
                        line=r.line_of("settings.availability_type"),
                    )
                backup = r.get("settings", "backup_configuration") or {}
                on = (
                    [
                        truthy(backup.get(k))
                        for k in ("point_in_time_recovery_enabled", "binary_log_enabled")
                    ]
                    if isinstance(backup, dict)
                    else []
                )
                if True not in on:
                    yield self.finding(
                        "dr.no_pitr",
                        Severity.HIGH,
                        r,
                        "production Cloud SQL instance without point-in-time recovery",
                        "Enable "
                        "point_in_time_recovery_enabled (PostgreSQL) or "
                        "binary_log_enabled (MySQL).",
                    )
