"""Buckets readable by anyone: public ACLs, policies granting ``*``, public access block off,
allUsers bindings."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Severity
from warden.scan._base import ScanCheck, register
from warden.scan._model import ScanFacts, ScanFinding, as_list, truthy
from warden.scan.checks._helpers import policy_statements

PUBLIC_ACLS = {"public-read", "public-read-write", "authenticated-read"}
_BLOCKS = (
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
)
_FIX = (
    "Keep the bucket private (public access block on); serve public files through a CDN "
    "with origin access control, or hand out pre-signed URLs."
)


@register
class PublicBucket(ScanCheck):
    type = "bucket.public"
    finding_ids = ("bucket.public",)
    reference = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html"

    def run(self, facts: ScanFacts) -> Iterator[ScanFinding]:
        for r in facts.of_type("aws_s3_bucket", "aws_s3_bucket_acl"):
            if str(r.get("acl")) in PUBLIC_ACLS:
                yield self.finding(
                    "bucket.public",
                    Severity.CRITICAL,
                    r,
                    f"the bucket ACL is {r.get('acl')}",
                    _FIX,
                    line=r.line_of("acl"),
                )
        for r in facts.of_type("aws_s3_bucket_public_access_block"):
            off = [k for k in _BLOCKS if truthy(r.get(k)) is False]
            if off:
                yield self.finding(
                    "bucket.public",
                    Severity.CRITICAL,
                    r,
                    f"public access block disabled ({off[0]} = false)",
                    _FIX,
                    line=r.line_of(off[0]),
                )
        for r in facts.of_type("aws_s3_bucket_policy"):
            for stmt in policy_statements(r.get("policy")):
                principal = stmt.get("Principal")
                anyone = principal == "*" or (
                    isinstance(principal, dict) and "*" in as_list(principal.get("AWS"))
                )
                if stmt.get("Effect") == "Allow" and anyone and not stmt.get("Condition"):
                    yield self.finding(
                        "bucket.public",
                        Severity.CRITICAL,
                        r,
                        "the bucket policy allows any principal ('*')",
                        _FIX,
                        line=r.line_of("policy"),
                    )
        for r in facts.of_type(
            "google_storage_bucket_iam_member", "google_storage_bucket_iam_binding"
        ):
            members = as_list(r.get("member")) + as_list(r.get("members"))
            if {"allUsers", "allAuthenticatedUsers"} & {str(m) for m in members}:
                yield self.finding(
                    "bucket.public",
                    Severity.CRITICAL,
                    r,
                    "the bucket is granted to allUsers",
                    _FIX,
                    line=r.line_of("member", "members"),
                )
