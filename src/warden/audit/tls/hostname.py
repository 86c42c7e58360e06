"""Whether the certificate covers the name clients connect to."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity
from warden.audit.tls._certs import matches_host
from warden.audit.tls._facts import TlsFacts, register


@register
class Hostname(Check[TlsFacts]):
    type = "tls.hostname"
    finding_ids = ("tls.hostname_mismatch",)

    def run(self, facts: TlsFacts) -> Iterator[Finding]:
        leaf = facts.leaf
        if leaf is None or matches_host(leaf, facts.server_name):
            return
        covered = ", ".join(leaf.dns_names + leaf.ip_addresses) or leaf.common_name or "nothing"
        yield self.finding(
            "tls.hostname_mismatch",
            Severity.CRITICAL,
            f"{facts.host}:{facts.port}",
            f"the certificate is not valid for {facts.server_name}",
            f"the certificate covers: {covered}.",
            "Clients refuse the connection (or are open to interception if they ignore it).",
            f"Issue a certificate whose subjectAltName includes {facts.server_name}, or connect "
            "with the name the certificate has.",
        )
