"""Certificate parsing (with ``cryptography``) and RFC 6125 host name matching."""

from __future__ import annotations

import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

from warden.audit.tls._facts import CertInfo

_KEY_BITS = {ed25519.Ed25519PublicKey: ("Ed25519", 256), ed448.Ed448PublicKey: ("Ed448", 456)}


def _key(cert: x509.Certificate) -> tuple[str, int]:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "EC", key.curve.key_size
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size
    for cls, (name, bits) in _KEY_BITS.items():
        if isinstance(key, cls):
            return name, bits
    return type(key).__name__, 0


def parse_certificate(der: bytes) -> CertInfo:
    cert = x509.load_der_x509_certificate(der)
    exts = cert.extensions
    dns: tuple[str, ...] = ()
    ips: tuple[str, ...] = ()
    try:
        san = exts.get_extension_for_class(x509.SubjectAlternativeName).value
        dns = tuple(san.get_values_for_type(x509.DNSName))
        ips = tuple(str(ip) for ip in san.get_values_for_type(x509.IPAddress))
    except x509.ExtensionNotFound:
        pass
    try:
        is_ca = exts.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    ocsp: tuple[str, ...] = ()
    try:
        aia = exts.get_extension_for_class(x509.AuthorityInformationAccess).value
        ocsp = tuple(
            str(d.access_location.value)
            for d in aia
            if d.access_method == AuthorityInformationAccessOID.OCSP
        )
    except x509.ExtensionNotFound:
        pass
    try:
        features = exts.get_extension_for_class(x509.TLSFeature).value
        must_staple = x509.TLSFeatureType.status_request in features
    except x509.ExtensionNotFound:
        must_staple = False
    cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    algorithm = cert.signature_hash_algorithm
    key_type, bits = _key(cert)
    return CertInfo(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        not_before=cert.not_valid_before_utc.timestamp(),
        not_after=cert.not_valid_after_utc.timestamp(),
        key_type=key_type,
        key_bits=bits,
        signature_hash=algorithm.name if algorithm else None,
        dns_names=dns,
        ip_addresses=ips,
        common_name=str(cns[0].value) if cns else None,
        is_ca=is_ca,
        ocsp_urls=ocsp,
        must_staple=must_staple,
        fingerprint_sha256=cert.fingerprint(hashes.SHA256()).hex(),
    )


def _dns_match(pattern: str, host: str) -> bool:
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if not pattern.startswith("*."):
        return pattern == host
    suffix = pattern[1:]  # ".example.com"
    head, _, rest = host.partition(".")
    return bool(head) and "." + rest == suffix and suffix.count(".") >= 2


def matches_host(cert: CertInfo, host: str) -> bool:
    """Whether ``cert`` is valid for ``host`` (a name or an IP address)."""
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        ip = None
    if ip is not None:
        return any(ipaddress.ip_address(a) == ip for a in cert.ip_addresses)
    names = cert.dns_names or ((cert.common_name,) if cert.common_name else ())
    return any(_dns_match(n, host) for n in names)
