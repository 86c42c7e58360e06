"""Whether the presented chain verifies, and whether intermediates are missing or misordered."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity
from warden.audit.tls._facts import TlsFacts, register

# OpenSSL X509_V_ERR codes
_UNABLE_TO_GET_ISSUER_LOCALLY = 20
_UNABLE_TO_VERIFY_LEAF_SIGNATURE = 21
_UNABLE_TO_GET_ISSUER = 2
_EXPIRED = 10
_NOT_YET_VALID = 9
_MISSING_ISSUER = {
    _UNABLE_TO_GET_ISSUER_LOCALLY,
    _UNABLE_TO_VERIFY_LEAF_SIGNATURE,
    _UNABLE_TO_GET_ISSUER,
}


@register
class Chain(Check[TlsFacts]):
    type = "tls.chain"
    finding_ids = ("tls.chain_incomplete", "tls.chain_untrusted", "tls.chain_order")

    def run(self, facts: TlsFacts) -> Iterator[Finding]:
        where = f"{facts.host}:{facts.port}"
        chain = facts.chain
        names = " -> ".join(c.subject for c in chain)
        misordered = any(chain[i].issuer != chain[i + 1].subject for i in range(len(chain) - 1))
        if misordered:
            yield self.finding(
                "tls.chain_order",
                Severity.MEDIUM,
                where,
                "the certificate chain is out of order or has extra certificates",
                f"presented: {names}.",
                "Strict clients fail to build the path when certificates are not in order.",
                "Serve the leaf first, then each issuer in turn (cat leaf.pem intermediate.pem).",
            )
        last = chain[-1] if chain else None
        presented = {c.subject for c in chain}
        unknown_issuer = (
            last is not None
            and not last.self_signed
            and last.issuer not in presented
            and facts.last_issuer_trusted is False
        )
        # A leaf sent alone with an unknown issuer lacks its intermediate; a chain that ends in
        # an intermediate with an unknown issuer more likely hangs off a private root.
        incomplete = unknown_issuer and last is not None and not last.is_ca
        if incomplete and last is not None:
            yield self.finding(
                "tls.chain_incomplete",
                Severity.HIGH,
                where,
                "the chain is incomplete: an intermediate certificate is missing",
                f"presented {len(chain)} certificate(s) ({names}); the last is issued by "
                f"{last.issuer}, which is neither sent nor in the {facts.trust}.",
                "Browsers may patch this up by downloading the intermediate, but API clients, "
                "mobile apps, curl and many libraries fail the connection.",
                "Serve the full chain: the leaf followed by the intermediates (e.g. nginx "
                "ssl_certificate fullchain.pem).",
            )
        code = facts.verify_code
        if facts.verify_error is None or code in {_EXPIRED, _NOT_YET_VALID}:
            return  # verified, or the expiry check reports it
        if code is None:
            return  # no verdict on the chain: the handshake failed first (see tls.protocols)
        if incomplete and code in _MISSING_ISSUER:
            return  # the missing intermediate is the reason
        yield self.finding(
            "tls.chain_untrusted",
            Severity.CRITICAL,
            where,
            "the certificate chain does not verify",
            f"verification against the {facts.trust} failed: {facts.verify_error} "
            f"(presented: {names}).",
            "Clients refuse the connection or users learn to click through warnings.",
            "Use a certificate from a publicly trusted CA (e.g. Let's Encrypt) with a 2048+ "
            "bit key, or give Warden the private CA with --ca-file for an internal service.",
        )
