"""OCSP stapling, where it can be observed (with the openssl command)."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity
from warden.audit.tls._facts import TlsFacts, register


@register
class Ocsp(Check[TlsFacts]):
    type = "tls.ocsp"
    finding_ids = ("tls.ocsp_not_stapled",)

    def run(self, facts: TlsFacts) -> Iterator[Finding]:
        leaf = facts.leaf
        if leaf is None or facts.ocsp_stapled is not False or not leaf.ocsp_urls:
            return
        must = leaf.must_staple
        yield self.finding(
            "tls.ocsp_not_stapled",
            Severity.HIGH if must else Severity.LOW,
            f"{facts.host}:{facts.port}",
            "no OCSP response is stapled" + (" despite OCSP Must-Staple" if must else ""),
            f"the certificate names OCSP responder {leaf.ocsp_urls[0]}, but the handshake "
            "carried no stapled response (openssl s_client -status).",
            "Without stapling each client asks the CA's responder itself: slower first "
            "connections and a privacy leak"
            + ("; with Must-Staple, clients refuse the certificate." if must else "."),
            "Enable stapling (nginx: ssl_stapling on; ssl_stapling_verify on; with a "
            "resolver and ssl_trusted_certificate).",
        )
