"""Non-production node groups on on-demand capacity, where spot would cost far less."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Severity
from warden.scan._base import ScanCheck, register
from warden.scan._model import ScanFacts, ScanFinding, truthy


@register
class Spot(ScanCheck):
    type = "cost.spot"
    finding_ids = ("cost.no_spot",)
    reference = "https://docs.aws.amazon.com/eks/latest/userguide/managed-node-groups.html"

    def run(self, facts: ScanFacts) -> Iterator[ScanFinding]:
        for r in facts.resources:
            if r.env is None or r.production:
                continue
            if r.type == "aws_eks_node_group":
                spot = str(r.get("capacity_type") or "ON_DEMAND").upper() == "SPOT"
                line = r.line_of("capacity_type")
            elif r.type == "google_container_node_pool":
                spot = bool(
                    truthy(r.get("node_config", "spot"))
                    or truthy(r.get("node_config", "preemptible"))
                )
                line = r.line_of("node_config")
            elif r.type == "azurerm_kubernetes_cluster_node_pool":
                spot = str(r.get("priority")) == "Spot"
                line = r.line_of("priority")
            else:
                continue
            if not spot:
                yield self.finding(
                    "cost.no_spot",
                    Severity.LOW,
                    r,
                    f"{r.env} node group runs on on-demand capacity",
                    "Use spot capacity for non-production node groups (capacity_type = "
                    '"SPOT" with several instance types); it costs up to 90 % less.',
                    line=line,
                )
