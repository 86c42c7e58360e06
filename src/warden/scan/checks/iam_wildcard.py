"""IAM beyond need: ``*`` actions (every action, or every action of a service) or ``*``
resources in Allow statements; Kubernetes roles granting every verb on every resource."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from warden.audit._base import Severity
from warden.scan._base import ScanCheck, register
from warden.scan._model import Resource, ScanFacts, ScanFinding, as_list, blocks
from warden.scan.checks._helpers import policy_statements

_POLICIES = ("aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy")
_FIX = (
    "Grant the actions the workload calls on the resources it uses (IAM Access Analyzer "
    "can generate the policy from CloudTrail)."
)


@register
class IamWildcard(ScanCheck):
    type = "iam.wildcard"
    finding_ids = ("iam.wildcard_action", "iam.wildcard_resource")
    reference = "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html"

    def run(self, facts: ScanFacts) -> Iterator[ScanFinding]:
        for r, stmt, line in _statements(facts):
            if str(stmt.get("Effect", stmt.get("effect", "Allow"))) != "Allow":
                continue
            actions = [str(a) for a in as_list(stmt.get("Action", stmt.get("actions")))]
            resources = [str(a) for a in as_list(stmt.get("Resource", stmt.get("resources")))]
            wild = [a for a in actions if a == "*" or a.endswith(":*")]
            if wild:
                yield self.finding(
                    "iam.wildcard_action",
                    Severity.HIGH,
                    r,
                    f"policy allows {wild[0]!r}",
                    _FIX,
                    line=line,
                )
            elif "*" in resources:
                yield self.finding(
                    "iam.wildcard_resource",
                    Severity.MEDIUM,
                    r,
                    f"policy allows {', '.join(actions[:3])} on every resource",
                    _FIX,
                    line=line,
                )
        for r in facts.of_type("Role", "ClusterRole"):
            for i, rule in enumerate(blocks(r.get("rules"))):
                if "*" in as_list(rule.get("verbs")) and "*" in as_list(rule.get("resources")):
                    yield self.finding(
                        "iam.wildcard_action",
                        Severity.HIGH,
                        r,
                        f"{r.type} grants every verb on every resource",
                        "List the resources and verbs the service account needs.",
                        line=r.line_of(f"rules[{i}]"),
                    )


def _statements(facts: ScanFacts) -> Iterator[tuple[Resource, Mapping[str, Any], int]]:
    for r in facts.of_type(*_POLICIES):
        for stmt in policy_statements(r.get("policy")):
            yield r, stmt, r.line_of("policy")
    for r in facts.of_type("aws_iam_role"):
        for i, inline in enumerate(blocks(r.get("inline_policy"))):
            for stmt in policy_statements(inline.get("policy")):
                yield r, stmt, r.line_of(f"inline_policy[{i}].policy", "inline_policy")
    for r in facts.of_type("data.aws_iam_policy_document", "aws_iam_policy_document"):
        for i, stmt in enumerate(blocks(r.get("statement"))):
            yield (
                r,
                {**stmt, "effect": stmt.get("effect", "Allow")},
                r.line_of(f"statement[{i}].actions", f"statement[{i}]"),
            )
