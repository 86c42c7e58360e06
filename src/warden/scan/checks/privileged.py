"""Privileged containers (or ones adding SYS_ADMIN/ALL capabilities) and pods sharing the
host's network, PID or IPC namespace."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Severity
from warden.scan._base import ScanCheck, register
from warden.scan._model import ScanFacts, ScanFinding, as_list, truthy

_HOST = {"hostNetwork": "network", "hostPID": "PID", "hostIPC": "IPC"}
_COMPOSE_HOST = {"network_mode": "network", "pid": "PID", "ipc": "IPC"}


@register
class Privileged(ScanCheck):
    type = "container.privileged"
    finding_ids = ("container.privileged", "container.host_namespace")
    reference = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"

    def run(self, facts: ScanFacts) -> Iterator[ScanFinding]:
        for c in facts.containers:
            if c.source == "dockerfile":
                continue
            ctx = c.spec.get("securityContext") or {}
            caps = [str(x).upper() for x in as_list((ctx.get("capabilities") or {}).get("add"))]
            caps += [str(x).upper() for x in as_list(c.spec.get("cap_add"))]
            if truthy(ctx.get("privileged")) or truthy(c.spec.get("privileged")):
                yield self.finding(
                    "container.privileged",
                    Severity.CRITICAL,
                    c.locate("securityContext.privileged", "privileged"),
                    "the container is privileged: root on the host if it is compromised",
                    "Remove privileged: true; add only the capability needed (e.g. NET_BIND_"
                    "SERVICE) and drop ALL others.",
                    resource=c.label,
                )
            elif {"SYS_ADMIN", "ALL"} & set(caps):
                yield self.finding(
                    "container.privileged",
                    Severity.CRITICAL,
                    c.locate("securityContext.capabilities.add", "cap_add"),
                    f"the container adds capability {sorted({'SYS_ADMIN', 'ALL'} & set(caps))[0]}",
                    "Drop ALL capabilities and add back only the one needed.",
                    resource=c.label,
                )
            host = [(k, n) for k, n in _HOST.items() if truthy(c.pod.get(k))]
            host += [(k, n) for k, n in _COMPOSE_HOST.items() if c.spec.get(k) == "host"]
            for key, name in host:
                yield self.finding(
                    "container.host_namespace",
                    Severity.HIGH,
                    c.locate(f"pod.{key}", key),
                    f"the container shares the host's {name} namespace ({key})",
                    "Remove it; expose ports through a Service (or Compose ports) instead.",
                    resource=c.workload if c.source == "kubernetes" else c.label,
                )
