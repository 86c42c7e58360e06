"""Long-running Kubernetes containers without liveness or readiness probes."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Severity
from warden.scan._base import ScanCheck, register
from warden.scan._model import ScanFacts, ScanFinding


@register
class Probes(ScanCheck):
    type = "k8s.probes"
    finding_ids = ("k8s.no_probes",)
    reference = "https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/"

    def run(self, facts: ScanFacts) -> Iterator[ScanFinding]:
        for c in facts.containers:
            if c.source != "kubernetes" or not c.long_running:
                continue
            missing = [p for p in ("livenessProbe", "readinessProbe") if not c.spec.get(p)]
            if missing:
                yield self.finding(
                    "k8s.no_probes",
                    Severity.MEDIUM,
                    c.locate(""),
                    f"no {' or '.join(missing)}: traffic reaches it before it is ready, and a "
                    "hung process is never restarted",
                    "Add a readinessProbe (the app's health endpoint) and a livenessProbe "
                    "that fails only when a restart would help.",
                    resource=c.label,
                )
