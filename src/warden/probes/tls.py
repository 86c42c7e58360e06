"""The ``tls`` probe: a server's certificate (expiry, chain, name) and the negotiated protocol.

OpenSSL verifies the chain (system CAs or ``ca_file``) and the name during the handshake. When it
refuses, the probe connects once more without verification, only to read the certificate, so the
result still says when it expires and what it is valid for. Days left (``cert_days_left``) count
from the injected clock: DEGRADED below ``warn_days``, DOWN below ``critical_days`` or expired.
"""

from __future__ import annotations

import functools
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from pydantic import Field, model_validator

from warden.probes._base import Probe, ProbeConfig, register
from warden.probes._net import (
    Stopwatch,
    Verdict,
    close_stream,
    join_host_port,
    open_stream,
    run_check,
    tls_context,
    up,
)
from warden.results import CheckResult, ErrorClass, Status

_EXPIRED = 10  # X509_V_ERR_CERT_HAS_EXPIRED
_NAME_MISMATCH = (62, 64)  # X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH
_VERSIONS = {"TLSv1": 1.0, "TLSv1.1": 1.1, "TLSv1.2": 1.2, "TLSv1.3": 1.3}


class TlsConfig(ProbeConfig):
    host: str = Field(min_length=1, description="Host name or IP address to connect to.")
    port: int = Field(443, ge=1, le=65535)
    server_name: str | None = Field(None, description="Name sent (SNI) and verified; default host.")
    warn_days: float = Field(21, ge=0, description="DEGRADED when fewer days are left.")
    critical_days: float = Field(7, ge=0, description="DOWN when fewer days are left.")
    ca_file: Path | None = Field(None, description="CA bundle instead of the system CAs.")
    verify: bool = Field(True, description="Verify the chain against the CAs.")
    check_hostname: bool = Field(True, description="Verify the certificate matches the name.")
    min_version: Literal["1.0", "1.1", "1.2", "1.3"] | None = Field(
        None, description="DOWN when the negotiated TLS version is older."
    )

    @model_validator(mode="after")
    def _days(self) -> TlsConfig:
        if self.critical_days > self.warn_days:
            raise ValueError("critical_days must not be greater than warn_days")
        return self

    def name(self) -> str:
        return self.server_name or self.host

    def target(self) -> str:
        sni = f" ({self.server_name})" if self.server_name else ""
        return f"tls://{join_host_port(self.host, self.port)}{sni}"


@dataclass(frozen=True, slots=True)
class Handshake:
    """What one TLS handshake showed: the leaf certificate and what was negotiated."""

    cert: x509.Certificate
    version: str
    cipher: str
    cipher_bits: int


@register
class TlsProbe(Probe[TlsConfig]):
    type = "tls"
    config_model = TlsConfig

    async def check(self) -> CheckResult:
        return await run_check(self, self._run)

    @functools.cached_property
    def _verifying(self) -> ssl.SSLContext:
        cfg = self.config
        return tls_context(
            verify=cfg.verify, check_hostname=cfg.check_hostname, ca_file=cfg.ca_file
        )

    @functools.cached_property
    def _trusting(self) -> ssl.SSLContext:
        return tls_context(verify=False)

    async def _run(self, watch: Stopwatch) -> Verdict:
        refused: ssl.SSLCertVerificationError | None = None
        try:
            shake = await self._handshake(watch, self._verifying)
        except ssl.SSLCertVerificationError as exc:
            refused = exc
            shake = await self._handshake(watch, self._trusting)
        return self._judge(shake, refused)

    async def _handshake(self, watch: Stopwatch, ctx: ssl.SSLContext) -> Handshake:
        cfg = self.config
        _, writer = await open_stream(
            cfg.host, cfg.port, watch, tls=ctx, server_hostname=cfg.name()
        )
        try:
            tls: ssl.SSLObject = writer.get_extra_info("ssl_object")
            der = tls.getpeercert(binary_form=True)
            cipher = tls.cipher() or ("", "", 0)
            version = tls.version() or ""
        finally:
            await close_stream(writer)
        if not der:
            raise ssl.SSLError("the server sent no certificate")
        return Handshake(x509.load_der_x509_certificate(der), version, cipher[0], cipher[2])

    def _judge(self, shake: Handshake, refused: ssl.SSLCertVerificationError | None) -> Verdict:
        cfg = self.config
        cert = shake.cert
        expires = cert.not_valid_after_utc
        days = (expires.timestamp() - self.deps.clock.time()) / 86400
        key_kind, key_bits = key_description(cert)
        metrics = {
            "cert_days_left": round(days, 3),
            "tls_version": _VERSIONS.get(shake.version, 0.0),
            "tls_key_bits": float(key_bits),
            "tls_cipher_bits": float(shake.cipher_bits),
        }
        summary = (
            f"{shake.version} {shake.cipher}, {key_kind}-{key_bits}, "
            f"expires {expires:%Y-%m-%d} ({days:.0f} days)"
        )
        when = f"{expires:%Y-%m-%d %H:%M} UTC"

        def fail(text: str, status: Status = Status.DOWN) -> Verdict:
            return Verdict(status, f"{text}; {summary}", ErrorClass.TLS, metrics)

        if days <= 0 or (refused is not None and refused.verify_code == _EXPIRED):
            return fail(f"certificate expired on {when} ({-days:.1f} days ago)")
        if refused is not None and refused.verify_code in _NAME_MISMATCH:
            return fail(f"certificate does not match {cfg.name()} (valid for {names(cert)})")
        if refused is not None:
            return fail(f"certificate not trusted: {refused.verify_message}")
        if days < cfg.critical_days:
            limit = f"critical below {cfg.critical_days:g}"
            return fail(f"certificate expires in {days:.1f} days ({limit})")
        if cfg.min_version and metrics["tls_version"] < float(cfg.min_version):
            return fail(f"negotiated {shake.version}, below the minimum TLS {cfg.min_version}")
        if days < cfg.warn_days:
            return fail(
                f"certificate expires in {days:.1f} days (warning below {cfg.warn_days:g})",
                Status.DEGRADED,
            )
        return up(summary, metrics)


def key_description(cert: x509.Certificate) -> tuple[str, int]:
    """``("RSA", 2048)``, ``("EC", 256)``, ``("Ed25519", 256)``, ... for the certificate's key."""
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "EC", key.curve.key_size
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", 456
    return type(key).__name__, 0


def names(cert: x509.Certificate, limit: int = 5) -> str:
    """The DNS names and IP addresses the certificate is valid for (or its common name)."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        found = [*san.get_values_for_type(x509.DNSName)]
        found += [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        common = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        found = [str(a.value) for a in common]
    more = f" and {len(found) - limit} more" if len(found) > limit else ""
    return (", ".join(found[:limit]) or "no names") + more
