"""Storage, databases and buckets without encryption at rest."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Severity
from warden.scan._base import ScanCheck, register
from warden.scan._model import ScanFacts, ScanFinding, truthy
from warden.scan.checks._helpers import refers

_FLAGS = {
    "aws_db_instance": "storage_encrypted",
    "aws_rds_cluster": "storage_encrypted",
    "aws_docdb_cluster": "storage_encrypted",
    "aws_ebs_volume": "encrypted",
    "aws_efs_file_system": "encrypted",
    "aws_redshift_cluster": "encrypted",
    "aws_elasticache_replication_group": "at_rest_encryption_enabled",
}


@register
class EncryptionAtRest(ScanCheck):
    type = "storage.encryption"
    finding_ids = ("storage.unencrypted", "bucket.unencrypted")
    reference = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html"

    def run(self, facts: ScanFacts) -> Iterator[ScanFinding]:
        for r in facts.of_type(*_FLAGS):
            key = _FLAGS[r.type]
            if r.type == "aws_db_instance" and r.get("replicate_source_db"):
                continue  # a replica inherits its source's encryption
            if truthy(r.get(key)) is not True and (
                key not in r.attrs or truthy(r.get(key)) is False
            ):
                yield self.finding(
                    "storage.unencrypted",
                    Severity.HIGH,
                    r,
                    f"{r.type} is not encrypted at rest ({key} is "
                    f"{'false' if key in r.attrs else 'not set'})",
                    f"Set {key} = true (with kms_key_id for a customer-managed key); an existing "
                    "volume or database must be copied into an encrypted one.",
                    line=r.line_of(key),
                )
        configs = facts.of_type("aws_s3_bucket_server_side_encryption_configuration")
        for r in facts.of_type("aws_s3_bucket"):
            if r.source == "plan" or r.get("server_side_encryption_configuration"):
                continue
            address = r.name.rsplit(".", 2)
            local = ".".join(address[-2:])
            if any(c.context == r.context and refers(c.get("bucket"), local) for c in configs):
                continue
            yield self.finding(
                "bucket.unencrypted",
                Severity.MEDIUM,
                r,
                "no server-side encryption configuration for the bucket",
                "Add an aws_s3_bucket_server_side_encryption_configuration (aws:kms with a "
                "key you control, or AES256) so the intent is explicit and reviewable.",
            )
