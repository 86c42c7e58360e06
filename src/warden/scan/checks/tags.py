"""Taggable cloud resources missing the cost-allocation tags the team requires."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from warden.audit._base import Severity
from warden.scan._base import ScanCheck, register
from warden.scan._model import ScanFacts, ScanFinding, known

TAGGABLE = frozenset(
    {
        "aws_instance",
        "aws_db_instance",
        "aws_rds_cluster",
        "aws_s3_bucket",
        "aws_ebs_volume",
        "aws_eks_cluster",
        "aws_eks_node_group",
        "aws_lb",
        "aws_alb",
        "aws_dynamodb_table",
        "aws_elasticache_replication_group",
        "aws_efs_file_system",
        "aws_vpc",
        "aws_subnet",
        "aws_nat_gateway",
        "aws_lambda_function",
        "aws_ecs_cluster",
        "aws_ecs_service",
        "aws_cloudfront_distribution",
        "aws_redshift_cluster",
        "aws_kms_key",
        "aws_sqs_queue",
        "aws_sns_topic",
        "aws_launch_template",
        "aws_security_group",
    }
)


@register
class CostTags(ScanCheck):
    type = "cost.tags"
    finding_ids = ("cost.missing_tags",)
    reference = "https://docs.aws.amazon.com/whitepapers/latest/tagging-best-practices/tagging-best-practices.html"

    def run(self, facts: ScanFacts) -> Iterator[ScanFinding]:
        required = facts.options.required_tags
        if not required:
            return
        for r in facts.resources:
            if r.type not in TAGGABLE:
                continue
            tags = r.attrs.get("tags_all") or r.attrs.get("tags") or {}
            if not isinstance(tags, Mapping):
                continue  # computed elsewhere: cannot tell
            have = {str(k).lower() for k, v in tags.items() if v is None or known(v) or v}
            missing = [t for t in required if t.lower() not in have]
            if missing:
                yield self.finding(
                    "cost.missing_tags",
                    Severity.LOW,
                    r,
                    f"missing cost-allocation tag{'s' if len(missing) > 1 else ''} "
                    f"{', '.join(missing)}",
                    "Add the tags (provider default_tags sets them on every resource) and "
                    "activate them as cost-allocation tags in billing.",
                    line=r.line_of("tags"),
                )
