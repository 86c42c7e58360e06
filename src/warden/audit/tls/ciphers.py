"""Weak cipher classes the server accepts over TLS 1.0-1.2."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity
from warden.audit.tls._facts import TlsFacts, register

_CLASSES: dict[str, tuple[Severity, str]] = {
    "anonymous": (Severity.CRITICAL, "anonymous key exchange: no server authentication at all"),
    "null": (Severity.CRITICAL, "NULL ciphers: no encryption"),
    "export": (Severity.CRITICAL, "export-grade ciphers: breakable in minutes"),
    "rc4": (Severity.HIGH, "RC4: biased keystream, prohibited by RFC 7465"),
    "des": (Severity.HIGH, "DES/3DES: 64-bit blocks (Sweet32)"),
    "static_rsa": (Severity.MEDIUM, "static RSA key exchange: no forward secrecy"),
    "cbc_sha1": (Severity.LOW, "CBC ciphers with SHA-1 MACs: legacy, padding-oracle prone"),
}


@register
class Ciphers(Check[TlsFacts]):
    type = "tls.ciphers"
    finding_ids = ("tls.weak_cipher",)

    def run(self, facts: TlsFacts) -> Iterator[Finding]:
        for name, (severity, what) in _CLASSES.items():
            if not facts.weak_ciphers.get(name):
                continue
            chosen = facts.weak_cipher_names.get(name, "?")
            yield self.finding(
                "tls.weak_cipher",
                severity,
                f"{facts.host}:{facts.port} {name}",
                f"the server accepts {what.split(':')[0]}",
                f"a handshake offering only this class succeeded with {chosen}; {what}.",
                "A client (or an attacker downgrading one) can end up on this cipher.",
                "Use a modern cipher list (Mozilla 'intermediate': ECDHE with AES-GCM or "
                "ChaCha20) and drop this class (nginx: ssl_ciphers ...; "
                "ssl_prefer_server_ciphers off;).",
                cipher=chosen,
            )
