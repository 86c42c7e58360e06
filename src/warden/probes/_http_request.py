"""What an ``http`` check sends: parsed targets, request bytes and shared TLS client contexts.

Everything here runs once per probe (or once per redirect hop), never per byte: a URL becomes
a ``Target`` (host for DNS and SNI, port, Host header, percent-encoded request target), the
request is rendered to bytes ahead of time, and TLS contexts are shared per (verify, CA file)
because loading a trust store costs milliseconds and megabytes.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_QUERY_SAFE = _PATH_SAFE + "?"


@dataclass(frozen=True, slots=True)
class Target:
    """Where one request goes, parsed once from its URL."""

    url: str
    tls: bool
    host: str  # IDNA-encoded name or IP literal without brackets: for DNS, SNI and checks
    port: int
    family: int  # AF_INET/AF_INET6 for an IP literal, AF_UNSPEC for a name to resolve
    authority: str  # the Host header value
    path: str  # the request target: path?query, percent-encoded

    @property
    def origin(self) -> tuple[bool, str, int]:
        return self.tls, self.host, self.port


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def parse_target(url: str) -> Target:
    """Parse an http(s) URL; raises ValueError with a message fit for a config error."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"is not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValueError("must be an http:// or https:// URL")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not contain credentials; use auth: {username, password}")
    host = parts.hostname or ""
    if not host:
        raise ValueError("has no host")
    tls = scheme == "https"
    default_port = 443 if tls else 80
    if port == 0:
        raise ValueError("has port 0")
    port = port or default_port
    family = socket.AF_UNSPEC
    ip = _ip_literal(host)
    if ip is not None:
        family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
        host = str(ip)
    else:
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise ValueError(f"has an invalid host name {host!r}: {exc}") from None
        if not all(c.isalnum() or c in "-._" for c in host):
            raise ValueError(f"has an invalid host name {host!r}")
    bracketed = f"[{host}]" if family == socket.AF_INET6 else host
    authority = bracketed if port == default_port else f"{bracketed}:{port}"
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_QUERY_SAFE)
    return Target(url.strip(), tls, host, port, family, authority, path)


def build_request(
    method: str,
    target: Target,
    headers: Sequence[tuple[str, str]],
    body: bytes | None,
    user_agent: str,
) -> bytes:
    """The bytes of one request; ``headers`` are the caller's, which win over the defaults."""
    given = {name.lower() for name, _ in headers}
    lines = [f"{method} {target.path} HTTP/1.1"]
    if "host" not in given:
        lines.append(f"Host: {target.authority}")
    if "user-agent" not in given:
        lines.append(f"User-Agent: {user_agent}")
    if "accept" not in given:
        lines.append("Accept: */*")
    if "accept-encoding" not in given:
        lines.append("Accept-Encoding: gzip, deflate, br")
    lines.extend(f"{name}: {value}" for name, value in headers)
    if body is not None or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body or b'')}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


@functools.lru_cache(maxsize=32)
def _ssl_context(verify: bool, ca_file: str | None, _mtime: int) -> ssl.SSLContext:
    if verify:
        ctx = ssl.create_default_context(cafile=ca_file)
    else:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


def client_ssl_context(verify: bool, ca_file: Path | None) -> ssl.SSLContext:
    """One shared client context per (verify, ca_file): loading trust stores is costly.

    A memo of immutable settings, not state: a changed ``ca_file`` (new mtime) gets a new
    context. Raises OSError or ssl.SSLError when the CA file cannot be loaded.
    """
    if ca_file is None or not verify:
        return _ssl_context(verify, None, 0)
    return _ssl_context(True, str(ca_file), ca_file.stat().st_mtime_ns)
