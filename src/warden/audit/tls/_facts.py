"""What a TLS audit observes of one endpoint (certificates, versions, ciphers), and its registry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from warden.audit._base import Check, registrar
from warden.plugins import Registry


@dataclass(frozen=True, slots=True)
class CertInfo:
    """One certificate as the server presented it."""

    subject: str
    issuer: str
    not_before: float
    not_after: float
    key_type: str  # RSA, EC, Ed25519, Ed448, DSA
    key_bits: int
    signature_hash: str | None  # sha256, sha1, ... (None for Ed25519/Ed448)
    dns_names: tuple[str, ...]
    ip_addresses: tuple[str, ...]
    common_name: str | None
    is_ca: bool
    ocsp_urls: tuple[str, ...]
    must_staple: bool
    fingerprint_sha256: str

    @property
    def self_signed(self) -> bool:
        return self.subject == self.issuer


@dataclass(frozen=True, slots=True)
class TlsFacts:
    """The endpoint as seen by several handshakes.

    ``protocols`` and ``weak_ciphers`` map a name to True (the server accepted it), False
    (refused) or None (this machine's OpenSSL cannot offer it, so it was not tested).
    """

    host: str
    port: int
    server_name: str
    now: float
    protocol: str
    cipher: str
    alpn: str | None
    chain: list[CertInfo]
    verify_error: str | None
    verify_code: int | None
    trust: str
    last_issuer_trusted: bool | None  # the issuer of the last presented certificate is a root
    protocols: dict[str, bool | None]
    weak_ciphers: dict[str, bool | None]
    weak_cipher_names: dict[str, str]  # class -> the cipher the server chose
    ocsp_stapled: bool | None
    notes: list[str] = field(default_factory=list)

    @property
    def leaf(self) -> CertInfo | None:
        return self.chain[0] if self.chain else None

    def summary(self) -> dict[str, Any]:
        leaf = self.leaf
        return {
            "endpoint": f"{self.host}:{self.port}",
            "server_name": self.server_name,
            "protocol": self.protocol,
            "cipher": self.cipher,
            "alpn": self.alpn,
            "certificate_subject": leaf.subject if leaf else None,
            "certificate_expires": leaf.not_after if leaf else None,
            "chain_length": len(self.chain),
            "verified": self.verify_error is None,
            "protocols": self.protocols,
            "ocsp_stapled": self.ocsp_stapled,
        }


REGISTRY: Registry[type[Check[TlsFacts]]] = Registry("tls audit check")
register = registrar(REGISTRY)
