"""Key size and signature algorithm of the certificates."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity
from warden.audit.tls._facts import TlsFacts, register

_MIN_BITS = {"RSA": 2048, "DSA": 2048, "EC": 256}
_WEAK_HASHES = {"md5", "sha1"}


@register
class KeySize(Check[TlsFacts]):
    type = "tls.key_size"
    finding_ids = ("tls.weak_key", "tls.weak_signature")

    def run(self, facts: TlsFacts) -> Iterator[Finding]:
        for i, cert in enumerate(facts.chain):
            which = "certificate" if i == 0 else f"chain certificate {i}"
            subject = f"{facts.host}:{facts.port} {which}"
            minimum = _MIN_BITS.get(cert.key_type)
            if minimum and cert.key_bits < minimum:
                yield self.finding(
                    "tls.weak_key",
                    Severity.HIGH,
                    subject,
                    f"{cert.key_type} key of {cert.key_bits} bits",
                    f"{cert.subject} has a {cert.key_bits}-bit {cert.key_type} key "
                    f"(at least {minimum} expected).",
                    "Short keys can be factored or broken; clients increasingly refuse them.",
                    "Issue a new certificate with an RSA 2048+ or ECDSA P-256 key.",
                    bits=cert.key_bits,
                )
            if cert.signature_hash in _WEAK_HASHES and not cert.self_signed:
                yield self.finding(
                    "tls.weak_signature",
                    Severity.HIGH,
                    subject,
                    f"certificate signed with {cert.signature_hash.upper()}",
                    f"{cert.subject} is signed with {cert.signature_hash}.",
                    "SHA-1 and MD5 signatures can be forged; browsers reject them.",
                    "Reissue the certificate with a SHA-256 signature.",
                )
