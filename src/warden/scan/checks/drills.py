"""Backups declared in code but never proven: no restore drill passed recently (runtime)."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Severity
from warden.scan._base import ScanCheck, register
from warden.scan._model import Resource, ScanFacts, ScanFinding, truthy

_FIX = (
    "Configure the backup in warden.yaml with a drill: schedule (warden dr drill) so a "
    "restore is proven every week."
)


def _keeps_backups(r: Resource) -> bool:
    if r.type in ("aws_db_instance", "aws_rds_cluster"):
        days = r.get("backup_retention_period")
        return isinstance(days, int | float) and days > 0
    return bool(truthy(r.get("settings", "backup_configuration", "enabled")))


@register
class RestoreDrills(ScanCheck):
    type = "runtime.drills"
    finding_ids = ("runtime.no_recent_drill",)
    reference = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIT.html"

    def run(self, facts: ScanFacts) -> Iterator[ScanFinding]:
        rt = facts.runtime
        if rt is None:
            return
        dbs = [
            r
            for r in facts.of_type(
                "aws_db_instance", "aws_rds_cluster", "google_sql_database_instance"
            )
            if _keeps_backups(r)
        ]
        if not dbs:
            return
        if not rt.backups:
            for r in dbs:
                yield self.finding(
                    "runtime.no_recent_drill",
                    Severity.HIGH,
                    r,
                    "backups are "
                    "kept but Warden has no backup of it to drill: a restore "
                    "was never tested",
                    _FIX,
                    line=r.line_of("backup_retention_period"),
                )
            return
        if not rt.drills_known:
            return
        horizon = facts.now - facts.options.drill_max_age_days * 86400
        for name in rt.backups:
            last = rt.drills.get(name)
            if last is None or last < horizon:
                when = "never" if last is None else f"{(facts.now - last) / 86400:.0f} days ago"
                r = dbs[0]
                yield self.finding(
                    "runtime.no_recent_drill",
                    Severity.HIGH,
                    r,
                    f"backup {name}: the last passed restore drill was {when} "
                    f"(> {facts.options.drill_max_age_days:g} days)",
                    _FIX,
                    line=r.line_of("backup_retention_period"),
                    resource=f"{r.label} / {name}",
                )
