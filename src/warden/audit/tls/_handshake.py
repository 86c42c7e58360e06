"""Single TLS handshakes with purpose-built contexts, run in worker threads.

To learn what the SERVER offers, the probing contexts accept everything the local OpenSSL
can do: ``@SECLEVEL=0`` in the cipher string (OpenSSL 3 otherwise refuses TLS 1.0/1.1 and weak
ciphers on the client side) and no certificate verification. A version or cipher class the
local OpenSSL cannot offer at all is reported as untested (None), never as refused.
"""

from __future__ import annotations

import socket
import ssl
import warnings
from dataclasses import dataclass
from typing import Any

VERSIONS: dict[str, ssl.TLSVersion] = {
    "TLSv1.0": ssl.TLSVersion.TLSv1,
    "TLSv1.1": ssl.TLSVersion.TLSv1_1,
    "TLSv1.2": ssl.TLSVersion.TLSv1_2,
    "TLSv1.3": ssl.TLSVersion.TLSv1_3,
}

# Cipher classes (OpenSSL cipher-string names) tried one at a time over TLS <= 1.2.
WEAK_CIPHER_CLASSES: dict[str, str] = {
    "anonymous": "aNULL",
    "null": "eNULL",
    "export": "EXPORT",
    "rc4": "RC4",
    "des": "DES:3DES",
    "static_rsa": "kRSA",
    "cbc_sha1": "SHA1:-aNULL:-eNULL",
}


@dataclass(frozen=True, slots=True)
class Handshake:
    ok: bool
    protocol: str = ""
    cipher: str = ""
    alpn: str | None = None
    chain: tuple[bytes, ...] = ()
    error: str = ""
    verify_code: int | None = None
    local_refusal: bool = False  # our side could not offer what was asked


def probing_context(
    version: ssl.TLSVersion | None = None, ciphers: str = "ALL:COMPLEMENTOFALL"
) -> ssl.SSLContext | None:
    """A non-verifying context for ``version`` and ``ciphers``; None if OpenSSL has neither."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        ctx.set_ciphers(f"{ciphers}:@SECLEVEL=0")
    except ssl.SSLError:
        return None
    with warnings.catch_warnings():  # pinning TLS 1.0/1.1 is the point of the probe
        warnings.simplefilter("ignore", DeprecationWarning)
        if version is not None:
            ctx.minimum_version = version
            ctx.maximum_version = version
        else:
            ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    return ctx


def weak_cipher_context(ciphers: str) -> ssl.SSLContext | None:
    """A probing context limited to TLS 1.0-1.2 and one cipher class."""
    ctx = probing_context(ciphers=ciphers)
    if ctx is None:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    if not ctx.get_ciphers():
        return None
    return ctx


def verifying_context(ca_file: str | None) -> ssl.SSLContext:
    """The system trust store (plus ``ca_file``); host names are checked separately."""
    ctx = ssl.create_default_context()
    if ca_file:
        ctx.load_verify_locations(cafile=ca_file)
    ctx.check_hostname = False
    return ctx


def _chain(tls: ssl.SSLSocket) -> tuple[bytes, ...]:
    sslobj: Any = getattr(tls, "_sslobj", None)
    getter = getattr(tls, "get_unverified_chain", None) or getattr(
        sslobj, "get_unverified_chain", None
    )
    if getter is None:
        cert = tls.getpeercert(binary_form=True)
        return (cert,) if cert else ()
    der = getattr(ssl, "_ssl").ENCODING_DER  # noqa: B009  (private constant of CPython's _ssl)
    return tuple(c if isinstance(c, bytes) else c.public_bytes(der) for c in getter() or ())


def handshake(
    host: str, port: int, server_name: str | None, ctx: ssl.SSLContext, timeout: float
) -> Handshake:
    """One TLS handshake; failures are returned, not raised."""
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            ctx.wrap_socket(raw, server_hostname=server_name) as tls,
        ):
            cipher = tls.cipher()
            return Handshake(
                ok=True,
                protocol=tls.version() or "",
                cipher=cipher[0] if cipher else "",
                alpn=tls.selected_alpn_protocol(),
                chain=_chain(tls),
            )
    except ssl.SSLCertVerificationError as exc:
        return Handshake(ok=False, error=str(exc.verify_message), verify_code=exc.verify_code)
    except ssl.SSLError as exc:
        local = exc.reason in {"NO_PROTOCOLS_AVAILABLE", "NO_CIPHERS_AVAILABLE"}
        return Handshake(ok=False, error=exc.reason or str(exc), local_refusal=local)
    except OSError as exc:
        return Handshake(ok=False, error=f"{type(exc).__name__}: {exc}")
