"""Table-driven tests of each TLS and web check, and of the parsers they rely on."""

from __future__ import annotations

import gzip
import struct
from typing import Any

import pytest

from audit import _facts as F
from warden.audit import Check, Severity
from warden.audit.tls import chain, ciphers, expiry, hostname, key_size, ocsp, protocols
from warden.audit.tls._certs import matches_host
from warden.audit.tls._gather import parse_endpoint
from warden.audit.web import (
    caching,
    cdn,
    compression,
    content_type_options,
    cookies,
    csp,
    frame_protection,
    hsts,
    http2,
    images,
    keep_alive,
    lazy_loading,
    minification,
    mixed_content,
    payload,
    redirects,
    server_disclosure,
    status,
    timing,
)
from warden.audit.web._cdn import recognise_cdn
from warden.audit.web._facts import Hop, is_hashed_url
from warden.audit.web._headers import parse_set_cookie
from warden.audit.web._html import ImageRef, PageRefs, parse_page
from warden.audit.web._imagesize import image_size
from warden.audit.web._minify import looks_unminified

H, M, L, C = Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.CRITICAL
DAY = 86400
LEAF_ONLY = [F.cert(issuer="CN=Missing Intermediate")]


def run(cls: type[Check[Any]], facts: Any) -> list[tuple[str, Severity]]:
    return [(f.id, f.severity) for f in cls().run(facts)]


TLS_CASES = [
    (expiry.Expiry, F.tls(), []),
    (expiry.Expiry, F.tls(chain=[F.cert(not_after=F.NOW - DAY)]),
     [("tls.certificate_expired", C)]),
    (expiry.Expiry, F.tls(chain=[F.cert(not_after=F.NOW + 3 * DAY)]),
     [("tls.certificate_expiring", H)]),
    (expiry.Expiry, F.tls(chain=[F.cert(not_after=F.NOW + 15 * DAY)]),
     [("tls.certificate_expiring", M)]),
    (expiry.Expiry, F.tls(chain=[F.cert(not_after=F.NOW + 25 * DAY)]),
     [("tls.certificate_expiring", L)]),
    (expiry.Expiry, F.tls(chain=[F.cert(not_before=F.NOW + DAY)]), [("tls.not_yet_valid", C)]),
    (chain.Chain, F.tls(), []),
    (chain.Chain, F.tls(chain=LEAF_ONLY, last_issuer_trusted=False, verify_code=20,
                        verify_error="unable to get local issuer certificate"),
     [("tls.chain_incomplete", H)]),
    (chain.Chain, F.tls(last_issuer_trusted=False, verify_code=20,
                        verify_error="unable to get local issuer certificate"),
     [("tls.chain_untrusted", C)]),
    (chain.Chain, F.tls(chain=[F.cert(issuer="CN=me", subject="CN=me")], verify_code=18,
                        verify_error="self-signed certificate", last_issuer_trusted=False),
     [("tls.chain_untrusted", C)]),
    (chain.Chain, F.tls(verify_code=10, verify_error="certificate has expired"), []),
    (chain.Chain, F.tls(verify_code=None, verify_error="UNSUPPORTED_PROTOCOL"), []),
    (chain.Chain, F.tls(chain=[F.cert(), F.cert(subject="CN=Other", is_ca=True)]),
     [("tls.chain_order", M)]),
    (hostname.Hostname, F.tls(), []),
    (hostname.Hostname, F.tls(server_name="a.shop.test"), []),
    (hostname.Hostname, F.tls(server_name="a.b.shop.test"), [("tls.hostname_mismatch", C)]),
    (hostname.Hostname, F.tls(server_name="evil.test"), [("tls.hostname_mismatch", C)]),
    (protocols.Protocols, F.tls(), []),
    (protocols.Protocols,
     F.tls(protocols={"TLSv1.0": True, "TLSv1.1": None, "TLSv1.2": True, "TLSv1.3": True}),
     [("tls.legacy_protocol", H)]),
    (protocols.Protocols,
     F.tls(protocols={"TLSv1.0": False, "TLSv1.1": False, "TLSv1.2": True, "TLSv1.3": False}),
     [("tls.no_tls13", L)]),
    (protocols.Protocols,
     F.tls(protocols={"TLSv1.0": True, "TLSv1.1": False, "TLSv1.2": False, "TLSv1.3": False}),
     [("tls.legacy_protocol", H), ("tls.no_modern_protocol", C)]),
    (ciphers.Ciphers, F.tls(), []),
    (ciphers.Ciphers, F.tls(weak_ciphers={"rc4": True, "static_rsa": True, "export": None}),
     [("tls.weak_cipher", H), ("tls.weak_cipher", M)]),
    (key_size.KeySize, F.tls(), []),
    (key_size.KeySize, F.tls(chain=[F.cert(key_type="RSA", key_bits=1024)]),
     [("tls.weak_key", H)]),
    (key_size.KeySize, F.tls(chain=[F.cert(signature_hash="sha1")]), [("tls.weak_signature", H)]),
    (ocsp.Ocsp, F.tls(ocsp_stapled=False, chain=[F.cert(ocsp_urls=("http://ocsp.test",))]),
     [("tls.ocsp_not_stapled", L)]),
    (ocsp.Ocsp,
     F.tls(ocsp_stapled=False, chain=[F.cert(ocsp_urls=("http://o.test",), must_staple=True)]),
     [("tls.ocsp_not_stapled", H)]),
    (ocsp.Ocsp, F.tls(ocsp_stapled=None, chain=[F.cert(ocsp_urls=("http://o.test",))]), []),
    (ocsp.Ocsp, F.tls(ocsp_stapled=False), []),
]  # fmt: skip

JS = "https://shop.test/app.js"
IMG = "https://shop.test/a.png"
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable", "ETag": '"x"'}
CF = {**IMMUTABLE, "CF-Ray": "1-AMS"}
BIG_PNG = {"Content-Type": "image/png", **IMMUTABLE}

WEB_CASES = [
    (compression.Compression, F.web(), []),
    (compression.Compression,
     F.web(page=F.fetched(headers={"Content-Type": "text/html"}, wire_bytes=50_000)),
     [("web.no_compression", M)]),
    (compression.Compression,
     F.web(page=F.fetched(headers={"Content-Type": "text/html", "Content-Encoding": "gzip"})),
     [("web.no_brotli", L)]),
    (compression.Compression,
     F.web(page=F.fetched(headers={"Content-Type": "text/html"}, wire_bytes=600)), []),
    (caching.Caching, F.web(assets=[F.asset("script", JS, headers=IMMUTABLE)]), []),
    (caching.Caching, F.web(assets=[F.asset("script", JS, headers={"ETag": "x"})]),
     [("web.no_cache_headers", M)]),
    (caching.Caching,
     F.web(assets=[F.asset("script", JS, headers={"Cache-Control": "max-age=60", "ETag": "x"})]),
     [("web.short_cache", L)]),
    (caching.Caching,
     F.web(assets=[F.asset("script", "https://shop.test/app.9f8e7d6c.js",
                           headers={"Cache-Control": "max-age=86400", "ETag": "x"})]),
     [("web.short_cache", L), ("web.hashed_not_immutable", L)]),
    (caching.Caching,
     F.web(assets=[F.asset("script", JS, headers={"Cache-Control": "max-age=31536000"})]),
     [("web.no_validator", L)]),
    (cdn.Cdn, F.web(assets=[F.asset("script", JS, headers=CF)]), []),
    (cdn.Cdn, F.web(assets=[F.asset("script", JS, headers=IMMUTABLE)]), [("web.no_cdn", L)]),
    (cdn.Cdn, F.web(), []),
    (images.Images,
     F.web(assets=[F.asset("image", IMG, headers=BIG_PNG, wire_bytes=300_000)]),
     [("web.legacy_image_format", M)]),
    (images.Images,
     F.web(assets=[F.asset("image", IMG, ImageRef(IMG, 0, None, None, None, ("image/webp",)),
                           headers=BIG_PNG, wire_bytes=300_000)]), []),
    (images.Images,
     F.web(assets=[F.asset("image", IMG, ImageRef(IMG, 0, None, 200, None, ()),
                           headers={"Content-Type": "image/webp"}, wire_bytes=20_000,
                           pixels=(1600, 1200))]),
     [("web.oversized_image", M)]),
    (images.Images,
     F.web(assets=[F.asset("image", IMG, headers={"Content-Type": "image/webp"},
                           wire_bytes=3_000_000)]),
     [("web.oversized_image", H)]),
    (payload.Payload, F.web(assets=[F.asset("script", JS, wire_bytes=700_000)]),
     [("web.js_payload", M)]),
    (payload.Payload, F.web(assets=[F.asset("style", JS, wire_bytes=600_000)]),
     [("web.css_payload", H)]),
    (payload.Payload, F.web(assets=[F.asset("script", JS, wire_bytes=100_000)]), []),
    (minification.Minification,
     F.web(assets=[F.asset("script", JS,
                           body=b"function f() {\n    // c\n    return 1;\n}\n" * 200)]),
     [("web.unminified", L)]),
    (minification.Minification,
     F.web(assets=[F.asset("script", JS, body=b"function f(){return 1}" * 400)]), []),
    (minification.Minification,
     F.web(assets=[F.asset("style", JS, body=gzip.compress(b"a {\n    color: red;\n}\n" * 300),
                           headers={"Content-Encoding": "gzip"})]),
     [("web.unminified", L)]),
    (lazy_loading.LazyLoading,
     F.web(refs=PageRefs(images=[ImageRef(f"/i{i}", i, None, None, None, ()) for i in range(9)])),
     [("web.lazy_loading_missing", M)]),
    (lazy_loading.LazyLoading,
     F.web(refs=PageRefs(images=[ImageRef("/i0", 0, "lazy", None, None, ())])),
     [("web.lazy_above_fold", L)]),
    (lazy_loading.LazyLoading,
     F.web(refs=PageRefs(images=[ImageRef(f"/i{i}", i, "lazy" if i > 2 else None, None, None, ())
                                 for i in range(9)])), []),
    (http2.Http2, F.web(), []),
    (http2.Http2, F.web(alpn="http/1.1"), [("web.no_http2", M)]),
    (http2.Http2, F.web(final_url="http://shop.test/", alpn=None), [("web.plain_http", H)]),
    (keep_alive.KeepAlive, F.web(origins={"https://shop.test:443": (6, 20, 14, False)}), []),
    (keep_alive.KeepAlive, F.web(origins={"https://shop.test:443": (20, 20, 0, True)}),
     [("web.no_keep_alive", M)]),
    (redirects.Redirects, F.web(hops=[Hop("http://shop.test/", 301, "https://shop.test/", 0.1)]),
     []),
    (redirects.Redirects, F.web(hops=[Hop("http://a/", 301, "x", 0.1)] * 3),
     [("web.redirect_chain", M)]),
    (timing.Timing, F.web(), []),
    (timing.Timing, F.web(page=F.fetched(headers=F.SECURE_HEADERS, ttfb=2.0), load_seconds=7.0),
     [("web.slow_ttfb", H), ("web.slow_load", H)]),
    (timing.Timing, F.web(page=F.fetched(headers=F.SECURE_HEADERS, ttfb=1.0)),
     [("web.slow_ttfb", M)]),
    (status.Status, F.web(), []),
    (status.Status, F.web(page=F.fetched(status=503)), [("web.http_error", H)]),
    (status.Status, F.web(assets=[F.asset("script", JS, status=404)]), [("web.broken_asset", M)]),
    (status.Status, F.web(tls_error="certificate has expired"),
     [("web.certificate_invalid", C)]),
    (hsts.Hsts, F.web(), []),
    (hsts.Hsts, F.web(page=F.fetched()), [("web.hsts_missing", M)]),
    (hsts.Hsts, F.web(page=F.fetched(headers={"Strict-Transport-Security": "max-age=300"})),
     [("web.hsts_short", L)]),
    (hsts.Hsts, F.web(page=F.fetched(), final_url="http://shop.test/"), []),
    (csp.Csp, F.web(), []),
    (csp.Csp, F.web(page=F.fetched()), [("web.csp_missing", M)]),
    (csp.Csp, F.web(page=F.fetched(), refs=PageRefs(meta_csp="default-src 'self'")), []),
    (csp.Csp,
     F.web(page=F.fetched(
         headers={"Content-Security-Policy": "script-src 'self' 'unsafe-inline'"})),
     [("web.csp_unsafe", L)]),
    (csp.Csp,
     F.web(page=F.fetched(headers={
         "Content-Security-Policy": "script-src 'self' 'unsafe-inline' 'nonce-abc'"})), []),
    (content_type_options.ContentTypeOptions, F.web(), []),
    (content_type_options.ContentTypeOptions, F.web(page=F.fetched()),
     [("web.nosniff_missing", L)]),
    (frame_protection.FrameProtection, F.web(), []),
    (frame_protection.FrameProtection, F.web(page=F.fetched(headers={"X-Frame-Options": "DENY"})),
     []),
    (frame_protection.FrameProtection, F.web(page=F.fetched()),
     [("web.frame_protection_missing", M)]),
    (cookies.Cookies,
     F.web(page=F.fetched(headers={"Set-Cookie": "sid=1; Secure; HttpOnly; SameSite=Lax"})), []),
    (cookies.Cookies, F.web(page=F.fetched(headers={"Set-Cookie": "sessionid=1"})),
     [("web.cookie_insecure", M), ("web.cookie_no_httponly", M), ("web.cookie_no_samesite", L)]),
    (cookies.Cookies,
     F.web(page=F.fetched(headers={"Set-Cookie": "theme=dark; Secure; SameSite=None"})),
     [("web.cookie_no_httponly", L)]),
    (server_disclosure.ServerDisclosure, F.web(page=F.fetched(headers={"Server": "nginx"})), []),
    (server_disclosure.ServerDisclosure,
     F.web(page=F.fetched(headers={"Server": "Apache/2.4.57 (Debian)"})),
     [("web.server_version", L)]),
    (server_disclosure.ServerDisclosure,
     F.web(page=F.fetched(headers={"X-Powered-By": "PHP/8.2"})), [("web.server_version", L)]),
    (mixed_content.MixedContent, F.web(refs=PageRefs(scripts=["http://cdn.test/a.js"])),
     [("web.mixed_content", H)]),
    (mixed_content.MixedContent,
     F.web(refs=PageRefs(images=[ImageRef("http://cdn.test/a.png", 0, None, None, None, ())])),
     [("web.mixed_content", M)]),
    (mixed_content.MixedContent, F.web(refs=PageRefs(scripts=["https://cdn.test/a.js"])), []),
]  # fmt: skip


@pytest.mark.parametrize(("check", "facts", "expected"), TLS_CASES + WEB_CASES)
def test_check(check: type[Check[Any]], facts: Any, expected: list[tuple[str, Severity]]) -> None:
    assert run(check, facts) == expected


@pytest.mark.parametrize(
    ("host", "ok"),
    [("shop.test", True), ("SHOP.test.", True), ("www.shop.test", True), ("a.b.shop.test", False),
     ("other.test", False), ("10.0.0.1", False)],
)  # fmt: skip
def test_hostname_matching(host: str, ok: bool) -> None:
    assert matches_host(F.cert(), host) is ok


def test_ip_address_matching() -> None:
    assert matches_host(F.cert(ip_addresses=("127.0.0.1", "::1")), "::1")
    assert not matches_host(F.cert(ip_addresses=("127.0.0.1",)), "127.0.0.2")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("example.test", ("example.test", 443)), ("example.test:8443", ("example.test", 8443)),
     ("[::1]:9443", ("::1", 9443)), ("https://example.test:444/x", ("example.test", 444))],
)  # fmt: skip
def test_parse_endpoint(text: str, expected: tuple[str, int]) -> None:
    assert parse_endpoint(text) == expected


@pytest.mark.parametrize(
    ("headers", "cdn_name"),
    [({"cf-ray": "1"}, "Cloudflare"), ({"x-amz-cf-id": "x"}, "Amazon CloudFront"),
     ({"x-served-by": "cache-ams21", "x-cache": "HIT"}, "Fastly"),
     ({"x-vercel-cache": "HIT"}, "Vercel"), ({"x-cache": "MISS"}, "a caching proxy (X-Cache)"),
     ({"server": "nginx"}, None)],
)  # fmt: skip
def test_cdn_recognition(headers: dict[str, str], cdn_name: str | None) -> None:
    assert recognise_cdn(headers) == cdn_name


@pytest.mark.parametrize(
    ("url", "hashed"),
    [("/app.3f9a1c2b.js", True), ("/assets/index-BJ4DR2Yk.css", True), ("/app.js?v=42", True),
     ("/app.js", False), ("/styles.abcdefgh.css", False), ("/logo.png", False)],
)  # fmt: skip
def test_hashed_urls(url: str, hashed: bool) -> None:
    assert is_hashed_url("https://shop.test" + url) is hashed


def test_html_parsing() -> None:
    html = """<html><head><base href="/b/"><link rel="preload stylesheet" href="s.css">
    <script src="a.js"></script><script>var x = 1;</script><style>p{}</style>
    <meta http-equiv="Content-Security-Policy" content="default-src 'self'"></head><body>
    <picture><source type="image/avif" srcset="h.avif"><img src="h.jpg" width="800px"></picture>
    <img src="data:image/png;base64,AA"><img src="t.png" loading="LAZY" height="10">
    <script src="a.js"></script></body></html>"""
    refs = parse_page(html, "https://shop.test/page")
    assert refs.scripts == ["https://shop.test/b/a.js"]
    assert refs.styles == ["https://shop.test/b/s.css"]
    assert [(i.url, i.width, i.loading, i.modern_sources) for i in refs.images] == [
        ("https://shop.test/b/h.jpg", 800, None, ("image/avif",)),
        ("https://shop.test/b/t.png", None, "lazy", ()),
    ]
    assert refs.inline_script_bytes == len("var x = 1;")
    assert refs.meta_csp == "default-src 'self'"


def _png(w: int, h: int) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", w, h)


def _jpeg(w: int, h: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00" + b"\x00" * 9
    sof = b"\xff\xc0" + struct.pack(">HBHH", 17, 8, h, w) + b"\x03" + b"\x00" * 9
    return b"\xff\xd8" + app0 + sof


@pytest.mark.parametrize(
    ("data", "size"),
    [(_png(640, 480), (640, 480)), (b"GIF89a" + struct.pack("<HH", 32, 16), (32, 16)),
     (_jpeg(1920, 1080), (1920, 1080)),
     (b"RIFF\x00\x00\x00\x00WEBPVP8X" + b"\x00" * 8 + (99).to_bytes(3, "little")
      + (49).to_bytes(3, "little"), (100, 50)),
     (b"not an image", None)],
)  # fmt: skip
def test_image_size(data: bytes, size: tuple[int, int] | None) -> None:
    assert image_size(data) == size


def test_minify_heuristic() -> None:
    assert looks_unminified(b"x" * 100)[0] is False  # too small to judge
    unmin, removable = looks_unminified(b"/* license */\nfunction a() {\n    return 1;\n}\n" * 100)
    assert unmin
    assert removable > 0


def test_set_cookie_parsing_keeps_no_value() -> None:
    c = parse_set_cookie("sid=s3cret; Path=/; secure; HTTPONLY; SameSite=Strict")
    assert (c.name, c.secure, c.httponly, c.samesite) == ("sid", True, True, "Strict")
    assert "s3cret" not in repr(c)
