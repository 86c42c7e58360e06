"""Kubernetes containers without resource requests or limits."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Severity
from warden.scan._base import ScanCheck, register
from warden.scan._model import ScanFacts, ScanFinding


@register
class ResourceLimits(ScanCheck):
    type = "k8s.resources"
    finding_ids = ("k8s.no_resources",)
    reference = "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/"

    def run(self, facts: ScanFacts) -> Iterator[ScanFinding]:
        for c in facts.containers:
            if c.source != "kubernetes":
                continue
            res = c.spec.get("resources") or {}
            missing = [
                k
                for k in ("requests", "limits")
                if not (res.get(k) if isinstance(res, dict) else None)
            ]
            if missing:
                yield self.finding(
                    "k8s.no_resources",
                    Severity.MEDIUM,
                    c.locate("resources", ""),
                    f"no resource {' or '.join(missing)}: the scheduler cannot place it well "
                    "and one container can starve its neighbours",
                    "Set resources.requests (cpu, memory) from observed usage and "
                    "resources.limits.memory (and a cpu limit if you need one).",
                    resource=c.label,
                )
