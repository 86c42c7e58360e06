"""Web sites and certificates the web and TLS audit tests serve with nginx on loopback.

``good`` serves minified, compressed, cached, fingerprinted assets in WebP over HTTP/2 and TLS
1.2+ with a full chain and every security header. ``bad`` serves the opposite: no compression,
no caching headers, big unminified JS, a large PNG shown small, eager images, redirects, leaky
headers and cookies, HTTP/1.1 only, and (over TLS) a leaf-only RSA-1024 certificate for
another name, expiring in 5 days, with TLS 1.0/1.1 and every cipher on.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

MODERN_CIPHERS = (
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
)


@dataclass(frozen=True)
class Certs:
    chain: Path  # what the server sends
    key: Path
    ca: Path  # the root to trust


def good_certs(directory: Path) -> Certs:
    """Root -> intermediate -> leaf for localhost and 127.0.0.1; the server sends the chain."""
    root = trustme.CA()
    inter = root.create_child_ca()
    leaf = inter.issue_cert("localhost", "127.0.0.1")
    chain = directory / "good-chain.pem"
    chain.write_bytes(b"".join(p.bytes() for p in leaf.cert_chain_pems))
    key = directory / "good-key.pem"
    leaf.private_key_pem.write_to_path(str(key))
    ca = directory / "good-ca.pem"
    root.cert_pem.write_to_path(str(ca))
    return Certs(chain, key, ca)


def bad_certs(directory: Path) -> Certs:
    """A leaf-only chain: RSA 1024 for other.test, expiring in 5 days."""
    root = trustme.CA()
    inter = root.create_child_ca()
    inter_key = serialization.load_pem_private_key(inter.private_key_pem.bytes(), None)
    inter_cert = x509.load_pem_x509_certificate(inter.cert_pem.bytes())
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505  (planted)
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "other.test")]))
        .issuer_name(inter_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=5))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("other.test")]), False)
        .sign(inter_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    chain = directory / "bad-chain.pem"
    chain.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path = directory / "bad-key.pem"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    ca = directory / "bad-ca.pem"
    root.cert_pem.write_to_path(str(ca))
    return Certs(chain, key_path, ca)


def _png(width: int, height: int, noise_bytes: int) -> bytes:
    """A PNG header claiming width x height followed by incompressible filler (not decodable,
    but browsers' and our size readers only need the header)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    head = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk
    head += struct.pack(">I", zlib.crc32(chunk))
    return head + random.Random(7).randbytes(noise_bytes)


def _webp(width: int, height: int) -> bytes:
    body = b"VP8 " + struct.pack("<I", 10) + b"\x00" * 6 + struct.pack("<HH", width, height)
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body + b"\x00" * 2000


def _unminified_js(kib: int) -> str:
    block = (
        "/**\n * Adds two numbers together, carefully.\n * @param {number} a\n */\n"
        "function addNumbers(firstNumber, secondNumber) {\n"
        "    // keep it simple\n"
        "    const total = firstNumber + secondNumber;\n"
        "    return total;\n"
        "}\n\n"
    )
    return block * (kib * 1024 // len(block) + 1)


def _minified_js(kib: int) -> str:
    return ("function a(b,c){return b+c}var d=a(1,2);" * (kib * 1024 // 40 + 1)) + "\n"


def write_good_site(root: Path) -> None:
    (root / "static").mkdir(parents=True, exist_ok=True)
    (root / "static" / "app.3f9a1c2b.css").write_text("body{margin:0;color:#222}" * 200)
    (root / "static" / "app.5e8d7f21.js").write_text(_minified_js(20))
    imgs = []
    for i in range(5):
        (root / "static" / f"photo{i}.4d2c9e7a.webp").write_bytes(_webp(400, 300))
        lazy = "" if i < 2 else ' loading="lazy"'
        imgs.append(
            f'<img src="/static/photo{i}.4d2c9e7a.webp" width="400" height="300"{lazy} alt="">'
        )
    (root / "index.html").write_text(
        "<!doctype html><html><head><title>good</title>"
        '<link rel="stylesheet" href="/static/app.3f9a1c2b.css">'
        '<script src="/static/app.5e8d7f21.js" defer></script></head><body>'
        + "".join(imgs)
        + "<p>"
        + "Hello " * 300
        + "</p></body></html>"
    )


def write_bad_site(root: Path, insecure_script: str | None = None) -> None:
    (root / "assets").mkdir(parents=True, exist_ok=True)
    (root / "assets" / "app.css").write_text(
        "body {\n    margin: 0;\n    color: #222;\n}\n\n/* a comment */\n" * 200
    )
    (root / "assets" / "bundle.js").write_text(_unminified_js(600))
    (root / "assets" / "hero.png").write_bytes(_png(2400, 1600, 700_000))
    imgs = ['<img src="/assets/hero.png" width="300" loading="lazy" alt="">']
    for i in range(5):
        (root / "assets" / f"thumb{i}.png").write_bytes(_png(200, 200, 40_000 + i))
        imgs.append(f'<img src="/assets/thumb{i}.png" alt="">')
    extra = f'<script src="{insecure_script}"></script>' if insecure_script else ""
    (root / "page.html").write_text(
        "<!doctype html><html><head><title>bad</title>"
        '<link rel="stylesheet" href="/assets/app.css">'
        f'<script src="/assets/bundle.js"></script>{extra}</head><body>'
        + "".join(imgs)
        + "<p>"
        + "Hello there " * 300
        + "</p></body></html>"
    )


GOOD_HEADERS = """
    add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;
    add_header Content-Security-Policy "default-src 'self'; frame-ancestors 'self'" always;
    add_header X-Content-Type-Options "nosniff" always;
    add_header X-Frame-Options "SAMEORIGIN" always;
    add_header Set-Cookie "sid=abc123; Path=/; Secure; HttpOnly; SameSite=Lax" always;
"""


def good_server(port: int, root: Path, certs: Certs) -> str:
    return f"""
  server {{
    listen 127.0.0.1:{port} ssl http2;
    ssl_certificate {certs.chain}; ssl_certificate_key {certs.key};
    ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers {MODERN_CIPHERS};
    server_tokens off; root {root}; index index.html;
    keepalive_timeout 65;
    gzip on; gzip_min_length 256;
    gzip_types text/css application/javascript image/svg+xml application/json;
    {GOOD_HEADERS}
    location /static/ {{
      {GOOD_HEADERS}
      add_header Cache-Control "public, max-age=31536000, immutable";
      add_header CF-Cache-Status "HIT";
      add_header CF-RAY "8a1b2c3d4e5f-AMS";
    }}
  }}
"""


def bad_server(port: int, root: Path, certs: Certs | None) -> str:
    tls = ""
    if certs is not None:
        tls = (
            f"ssl_certificate {certs.chain}; ssl_certificate_key {certs.key};\n"
            "    ssl_protocols TLSv1 TLSv1.1 TLSv1.2; ssl_ciphers ALL:@SECLEVEL=0;\n"
            "    ssl_prefer_server_ciphers on;"
        )
    listen = f"listen 127.0.0.1:{port}{' ssl' if certs else ''};"
    return f"""
  server {{
    {listen}
    {tls}
    server_tokens on; root {root}; keepalive_timeout 0; gzip off;
    add_header Set-Cookie "sessionid=abc123; Path=/" always;
    location = /old {{ return 301 /older; }}
    location = /older {{ return 302 /page.html; }}
  }}
"""


def env_has_nginx() -> bool:
    return any(os.access(p, os.X_OK) for p in ("/usr/sbin/nginx", "/usr/bin/nginx"))
