"""Observes a TLS endpoint: its chain, verification, versions, weak cipher classes, stapling."""

from __future__ import annotations

import asyncio
import ipaddress
import shutil
import socket
import ssl
import subprocess
import warnings
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.utils import CryptographyDeprecationWarning

from warden.audit._base import AuditOptions
from warden.audit.tls._certs import parse_certificate
from warden.audit.tls._facts import TlsFacts
from warden.audit.tls._handshake import (
    VERSIONS,
    WEAK_CIPHER_CLASSES,
    Handshake,
    handshake,
    probing_context,
    verifying_context,
    weak_cipher_context,
)
from warden.engine.clock import Clock
from warden.errors import AuditError


def parse_endpoint(target: str) -> tuple[str, int]:
    """``host``, ``host:8443``, ``[::1]:443`` or ``https://host/`` -> (host, port)."""
    text = target.strip()
    if "://" in text:
        parts = urlsplit(text)
        if not parts.hostname:
            raise AuditError(f"{target!r}: no host name")
        return parts.hostname, parts.port or 443
    try:
        parts = urlsplit("//" + text)
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise AuditError(f"{target!r} is not HOST[:PORT]: {exc}") from exc
    if not host:
        raise AuditError(f"{target!r} is not HOST[:PORT]")
    return host, port or 443


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


async def gather(target: str, options: AuditOptions, clock: Clock) -> TlsFacts:
    host, port = parse_endpoint(target)
    name = options.sni or host
    sni = None if _is_ip(name) else name
    timeout = options.timeout
    notes: list[str] = []

    try:
        await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise AuditError(f"cannot resolve {host}: {exc}") from exc

    def run(ctx: ssl.SSLContext) -> asyncio.Task[Handshake]:
        return asyncio.create_task(asyncio.to_thread(handshake, host, port, sni, ctx, timeout))

    base_ctx = probing_context()
    assert base_ctx is not None
    try:
        verify_ctx = verifying_context(str(options.ca_file) if options.ca_file else None)
    except (OSError, ValueError) as exc:
        raise AuditError(f"cannot load CA file {options.ca_file}: {exc}") from exc
    version_ctx = {v: probing_context(ver) for v, ver in VERSIONS.items()}
    cipher_ctx = {c: weak_cipher_context(s) for c, s in WEAK_CIPHER_CLASSES.items()}
    base = await run(base_ctx)
    if not base.ok:
        raise AuditError(f"no TLS handshake with {host}:{port}: {base.error}")
    verify_f = run(verify_ctx)
    version_f = {v: run(c) for v, c in version_ctx.items() if c is not None}
    cipher_f = {c: run(x) for c, x in cipher_ctx.items() if x is not None}
    ocsp_f = asyncio.create_task(asyncio.to_thread(ocsp_stapled, host, port, sni, timeout))
    verify = await verify_f
    protocols: dict[str, bool | None] = {}
    for v in VERSIONS:
        hs = await version_f[v] if v in version_f else None
        protocols[v] = None if hs is None or hs.local_refusal else hs.ok
        if protocols[v] is None:
            notes.append(f"{v} not tested: this machine's OpenSSL cannot offer it")
    weak: dict[str, bool | None] = {}
    weak_names: dict[str, str] = {}
    for c in WEAK_CIPHER_CLASSES:
        hs = await cipher_f[c] if c in cipher_f else None
        weak[c] = None if hs is None or hs.local_refusal else hs.ok
        if hs is not None and hs.ok:
            weak_names[c] = hs.cipher
    untested = [c for c, v in weak.items() if v is None]
    if untested:
        notes.append(
            "cipher classes not tested (this machine's OpenSSL has none of them): "
            + ", ".join(untested)
        )
    stapled, ocsp_note = await ocsp_f
    if ocsp_note:
        notes.append(ocsp_note)
    chain = [parse_certificate(der) for der in base.chain]
    last_trusted = None
    if chain:
        roots = trusted_subjects(verify_ctx)
        last_trusted = chain[-1].issuer in roots
    trust = "system trust store" + (f" + {options.ca_file}" if options.ca_file else "")
    return TlsFacts(
        host=host,
        port=port,
        server_name=name,
        now=clock.time(),
        protocol=base.protocol,
        cipher=base.cipher,
        alpn=base.alpn,
        chain=chain,
        verify_error=None if verify.ok else verify.error,
        verify_code=None if verify.ok else verify.verify_code,
        trust=trust,
        last_issuer_trusted=last_trusted,
        protocols=protocols,
        weak_ciphers=weak,
        weak_cipher_names=weak_names,
        ocsp_stapled=stapled,
        notes=notes,
    )


def trusted_subjects(ctx: ssl.SSLContext) -> set[str]:
    """Subjects (RFC 4514) of the CA certificates loaded in ``ctx``.

    Some long-lived roots break RFC 5280 in ways ``cryptography`` warns about; their subject
    is all we read, so those warnings are silenced here (this runs on the event loop thread).
    """
    out = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        for der in ctx.get_ca_certs(binary_form=True):
            try:
                out.add(x509.load_der_x509_certificate(der).subject.rfc4514_string())
            except ValueError:
                continue
    return out


def ocsp_stapled(
    host: str, port: int, sni: str | None, timeout: float
) -> tuple[bool | None, str | None]:
    """Whether the server staples an OCSP response, asked with ``openssl s_client -status``.

    Python's ssl module cannot request a stapled response, so this uses the openssl command
    when it is installed; without it the answer is None (not observable).
    """
    exe = shutil.which("openssl")
    if exe is None:
        return None, "OCSP stapling not observable: the openssl command is not installed"
    argv = [exe, "s_client", "-connect", f"{_bracket(host)}:{port}", "-status"]
    if sni:
        argv += ["-servername", sni]
    try:
        proc = subprocess.run(argv, input=b"", capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"OCSP stapling not observable: {type(exc).__name__}"
    out = (proc.stdout + proc.stderr).decode("utf-8", "replace")
    if "OCSP Response Status: successful" in out:
        return True, None
    if "no response sent" in out:
        return False, None
    return None, "OCSP stapling not observable: openssl s_client gave no OCSP status"


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host
