"""Layout conventions, as low-severity notes: Terraform roots under ``environments/`` with
shared code in ``modules/``; Kustomize overlays under ``overlays/`` over a ``base/``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from warden.audit._base import Severity
from warden.scan._base import ScanCheck, register
from warden.scan._model import ScanFacts, ScanFinding

ENV_DIRS = frozenset({"environments", "envs", "live"})


@register
class Structure(ScanCheck):
    type = "structure"
    finding_ids = ("structure.terraform", "structure.kustomize")
    reference = "https://developer.hashicorp.com/terraform/language/modules/develop/structure"

    def run(self, facts: ScanFacts) -> Iterator[ScanFinding]:
        lay = facts.layout
        tf_fix = (
            "Put reusable modules under modules/ and one root per environment under "
            "environments/<env>/ (each with its own state and tfvars)."
        )
        for root in lay.terraform_roots:
            if not ENV_DIRS & set(Path(root).parts):
                yield self.finding(
                    "structure.terraform",
                    Severity.LOW,
                    (root, 1),
                    f"root module {root} is not under environments/",
                    tf_fix,
                    resource=root,
                )
        if lay.terraform_roots and not lay.has_modules:
            yield self.finding(
                "structure.terraform",
                Severity.LOW,
                (lay.terraform_roots[0], 1),
                "no modules/ folder: environments cannot share code",
                tf_fix,
                resource="terraform layout",
            )
        k_fix = (
            "Keep the shared manifests in base/ and one overlay per environment in "
            "overlays/<env>/ that patches only what differs."
        )
        for top in lay.kustomize_tops:
            if "overlays" not in Path(top).parts:
                yield self.finding(
                    "structure.kustomize",
                    Severity.LOW,
                    (f"{top}/kustomization.yaml", 1),
                    f"kustomization {top} is not an overlay under overlays/",
                    k_fix,
                    resource=top,
                )
        if lay.kustomize_tops and not lay.has_base:
            yield self.finding(
                "structure.kustomize",
                Severity.LOW,
                (f"{lay.kustomize_tops[0]}/kustomization.yaml", 1),
                "no base/ kustomization shared by the overlays",
                k_fix,
                resource="kustomize layout",
            )
