"""TLS versions the server accepts: 1.0 and 1.1 are obsolete, 1.2 or 1.3 are expected."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity
from warden.audit.tls._facts import TlsFacts, register


@register
class Protocols(Check[TlsFacts]):
    type = "tls.protocols"
    finding_ids = ("tls.legacy_protocol", "tls.no_tls13", "tls.no_modern_protocol")

    def run(self, facts: TlsFacts) -> Iterator[Finding]:
        where = f"{facts.host}:{facts.port}"
        offered = [v for v, ok in facts.protocols.items() if ok]
        legacy = [v for v in ("TLSv1.0", "TLSv1.1") if facts.protocols.get(v)]
        if legacy:
            yield self.finding(
                "tls.legacy_protocol",
                Severity.HIGH,
                where,
                f"the server accepts {' and '.join(legacy)}",
                f"handshakes pinned to each version (with @SECLEVEL=0 on the probing side) "
                f"succeeded for: {', '.join(offered)}.",
                "TLS 1.0 and 1.1 are deprecated (RFC 8996): weak MACs and ciphers, failing "
                "PCI DSS and most audits; every client of the last decade speaks TLS 1.2.",
                "Allow only TLS 1.2 and 1.3 (nginx: ssl_protocols TLSv1.2 TLSv1.3;).",
            )
        if not facts.protocols.get("TLSv1.2") and not facts.protocols.get("TLSv1.3"):
            yield self.finding(
                "tls.no_modern_protocol",
                Severity.CRITICAL,
                where,
                "the server accepts neither TLS 1.2 nor TLS 1.3",
                f"versions accepted: {', '.join(offered) or 'none tested'}.",
                "Current browsers and libraries refuse older versions.",
                "Enable TLS 1.2 and 1.3 in the server's configuration.",
            )
        elif facts.protocols.get("TLSv1.3") is False:
            yield self.finding(
                "tls.no_tls13",
                Severity.LOW,
                where,
                "the server does not offer TLS 1.3",
                f"versions accepted: {', '.join(offered)}.",
                "TLS 1.3 saves a round trip on every new connection and drops legacy crypto.",
                "Enable TLS 1.3 (nginx: ssl_protocols TLSv1.2 TLSv1.3; with OpenSSL 1.1.1+).",
            )
