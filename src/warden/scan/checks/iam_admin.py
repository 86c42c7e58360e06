"""Administrator rights handed out: the AdministratorAccess policy attached to a user, group
or role, and Kubernetes bindings to cluster-admin."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Severity
from warden.scan._base import ScanCheck, register
from warden.scan._model import ScanFacts, ScanFinding, as_list

_ATTACH = (
    "aws_iam_role_policy_attachment",
    "aws_iam_user_policy_attachment",
    "aws_iam_group_policy_attachment",
    "aws_iam_policy_attachment",
)


@register
class AdminAccess(ScanCheck):
    type = "iam.admin"
    finding_ids = ("iam.admin_access",)
    reference = "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html"

    def run(self, facts: ScanFacts) -> Iterator[ScanFinding]:
        for r in facts.of_type(*_ATTACH, "aws_iam_role"):
            arns = as_list(r.get("policy_arn")) + as_list(r.get("managed_policy_arns"))
            if any(str(a).endswith("/AdministratorAccess") for a in arns):
                yield self.finding(
                    "iam.admin_access",
                    Severity.HIGH,
                    r,
                    "AdministratorAccess is attached: full control of the account",
                    "Attach a policy scoped to what the principal does; keep admin rights for "
                    "break-glass roles behind MFA.",
                    line=r.line_of("policy_arn", "managed_policy_arns"),
                )
        for r in facts.of_type("ClusterRoleBinding", "RoleBinding"):
            if r.get("roleRef", "name") == "cluster-admin":
                yield self.finding(
                    "iam.admin_access",
                    Severity.HIGH,
                    r,
                    f"{r.type} grants cluster-admin",
                    "Bind a Role (or ClusterRole) with the verbs and resources needed.",
                    line=r.line_of("roleRef.name", "roleRef"),
                )
