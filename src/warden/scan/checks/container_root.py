"""Containers running as root: a Dockerfile without USER (or USER root), a pod without
runAsNonRoot, runAsUser 0, a Compose service with user root."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from warden.audit._base import Severity
from warden.scan._base import ScanCheck, register
from warden.scan._model import Container, ScanFacts, ScanFinding, truthy

ROOT = {"root", "0", "0:0", "root:root"}
_FIX = {
    "dockerfile": "Create an unprivileged user and end the final stage with 'USER app' "
    "(or a numeric UID such as 'USER 10001').",
    "kubernetes": "Set securityContext.runAsNonRoot: true (and a runAsUser above 0) on the pod "
    "or the container; build the image with a non-root USER.",
    "compose": "Set user: to a non-root UID (e.g. '10001:10001') or drop the line and fix "
    "the image's USER.",
}


@register
class ContainerRoot(ScanCheck):
    type = "container.root"
    finding_ids = ("container.root", "container.root_explicit")
    reference = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"

    def run(self, facts: ScanFacts) -> Iterator[ScanFinding]:
        for c in facts.containers:
            fix = _FIX[c.source]
            if c.source == "dockerfile":
                if c.user is None:
                    yield self.finding(
                        "container.root",
                        Severity.MEDIUM,
                        c,
                        "the image runs as root: no USER in the final stage",
                        fix,
                    )
                elif c.user.strip() in ROOT:
                    yield self.finding(
                        "container.root_explicit",
                        Severity.HIGH,
                        c.locate("user"),
                        f"USER {c.user} runs the image as root",
                        fix,
                        resource=c.label,
                    )
            elif c.source == "compose":
                if str(c.spec.get("user", "")).strip() in ROOT:
                    yield self.finding(
                        "container.root_explicit",
                        Severity.HIGH,
                        c.locate("user"),
                        "the service runs as root (user: root)",
                        fix,
                        resource=c.label,
                    )
            else:
                yield from self._kubernetes(c, fix)

    def _kubernetes(self, c: Container, fix: str) -> Iterator[ScanFinding]:
        own = _ctx(c.spec)
        pod = _ctx(c.pod)
        user = own.get("runAsUser", pod.get("runAsUser"))
        if user == 0:
            where = c.locate("securityContext.runAsUser", "pod.securityContext.runAsUser")
            yield self.finding(
                "container.root_explicit",
                Severity.HIGH,
                where,
                "runAsUser: 0 runs the container as root",
                fix,
                resource=c.label,
            )
            return
        nonroot = truthy(own.get("runAsNonRoot", pod.get("runAsNonRoot")))
        if not nonroot and not (isinstance(user, int) and user > 0):
            yield self.finding(
                "container.root",
                Severity.MEDIUM,
                c.locate("securityContext.runAsNonRoot", "securityContext", ""),
                "runAsNonRoot is not set: the container may run as root",
                fix,
                resource=c.label,
            )


def _ctx(spec: Mapping[str, Any]) -> Mapping[str, Any]:
    ctx = spec.get("securityContext")
    return ctx if isinstance(ctx, Mapping) else {}
