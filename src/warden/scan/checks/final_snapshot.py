"""Production databases that can be deleted without a final snapshot or without deletion
protection."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Severity
from warden.scan._base import ScanCheck, register
from warden.scan._model import ScanFacts, ScanFinding, truthy


@register
class FinalSnapshot(ScanCheck):
    type = "dr.deletion"
    finding_ids = ("dr.skip_final_snapshot", "dr.no_deletion_protection")
    reference = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_DeleteInstance.html"

    def run(self, facts: ScanFacts) -> Iterator[ScanFinding]:
        for r in facts.of_type(
            "aws_db_instance", "aws_rds_cluster", "google_sql_database_instance"
        ):
            if not r.production:
                continue
            if truthy(r.get("skip_final_snapshot")):
                yield self.finding(
                    "dr.skip_final_snapshot",
                    Severity.HIGH,
                    r,
                    "deleting it keeps no final snapshot (skip_final_snapshot = true)",
                    "Set skip_final_snapshot = false with a final_snapshot_identifier.",
                    line=r.line_of("skip_final_snapshot"),
                )
            protected = truthy(r.get("deletion_protection"))
            if protected is False or (
                protected is None
                and r.type != "google_sql_database_instance"
                and "deletion_protection" not in r.attrs
            ):
                yield self.finding(
                    "dr.no_deletion_protection",
                    Severity.MEDIUM,
                    r,
                    "deletion protection is off",
                    "Set deletion_protection = true.",
                    line=r.line_of("deletion_protection"),
                )
