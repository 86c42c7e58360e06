"""Web and TLS audits against nginx on loopback, configured well and badly by the test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from audit import _sites as sites
from audit._servers import free_port, nginx
from warden.audit import AuditOptions, AuditReport, Severity, audit

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Nginx:
    good: str  # https, HTTP/2, full chain
    bad_http: str
    bad_https: str
    good_certs: sites.Certs
    bad_certs: sites.Certs


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nginx]:
    if shutil.which("nginx") is None and not sites.env_has_nginx():
        pytest.fail("nginx is not installed (make system-deps installs nginx-light)")
    d = tmp_path_factory.mktemp("nginx")
    good_port, bad_port, bad_tls_port = free_port(), free_port(), free_port()
    sites.write_good_site(d / "good")
    sites.write_bad_site(d / "bad", insecure_script=f"http://127.0.0.1:{bad_port}/assets/app.css")
    good, bad = sites.good_certs(d), sites.bad_certs(d)
    blocks = (
        sites.good_server(good_port, d / "good", good)
        + sites.bad_server(bad_port, d / "bad", None)
        + sites.bad_server(bad_tls_port, d / "bad", bad)
    )
    with nginx(d / "nginx", blocks):
        yield Nginx(
            good=f"https://127.0.0.1:{good_port}/",
            bad_http=f"http://127.0.0.1:{bad_port}/old",
            bad_https=f"https://127.0.0.1:{bad_tls_port}/page.html",
            good_certs=good,
            bad_certs=bad,
        )


def ids(report: AuditReport, at_least: Severity = Severity.LOW) -> set[str]:
    return {f.id for f in report.at_least(at_least)}


async def test_good_site_has_only_the_brotli_and_nothing_above_low(web: Nginx) -> None:
    report = await audit("web", web.good, AuditOptions(ca_file=web.good_certs.ca))
    assert report.errors == []
    # nginx-light has no Brotli module: gzip is the best it can do
    assert ids(report) == {"web.no_brotli"}
    assert report.facts["alpn"] == "h2"
    assert report.facts["assets"] == 7
    origin = next(iter(report.facts["origins"].values()))
    assert origin["reused"] >= 1  # keep-alive worked


@pytest.mark.parametrize(
    ("id_", "severity"),
    [
        ("web.no_compression", Severity.HIGH),
        ("web.plain_http", Severity.HIGH),
        ("web.no_cache_headers", Severity.MEDIUM),
        ("web.no_keep_alive", Severity.MEDIUM),
        ("web.js_payload", Severity.MEDIUM),
        ("web.unminified", Severity.MEDIUM),
        ("web.legacy_image_format", Severity.MEDIUM),
        ("web.oversized_image", Severity.MEDIUM),
        ("web.csp_missing", Severity.MEDIUM),
        ("web.frame_protection_missing", Severity.MEDIUM),
        ("web.cookie_no_httponly", Severity.MEDIUM),
        ("web.cookie_no_samesite", Severity.LOW),
        ("web.lazy_loading_missing", Severity.LOW),
        ("web.lazy_above_fold", Severity.LOW),
        ("web.redirect_chain", Severity.LOW),
        ("web.server_version", Severity.LOW),
        ("web.nosniff_missing", Severity.LOW),
        ("web.no_cdn", Severity.LOW),
    ],
)
async def test_bad_http_site(web: Nginx, id_: str, severity: Severity) -> None:
    report = await audit("web", web.bad_http)
    found = [f for f in report.findings if f.id == id_]
    assert found, f"{id_} not found in {sorted(ids(report))}"
    assert found[0].severity is severity
    assert report.facts["redirects"] == 2


async def test_bad_https_site(web: Nginx) -> None:
    report = await audit("web", web.bad_https, AuditOptions(ca_file=web.bad_certs.ca))
    found = ids(report)
    for expected in (
        "web.certificate_invalid",
        "web.no_http2",
        "web.hsts_missing",
        "web.cookie_insecure",
        "web.mixed_content",
    ):
        assert expected in found, f"{expected} not in {sorted(found)}"
    assert report.facts["alpn"] == "http/1.1"
    cookie = next(f for f in report.findings if f.id == "web.cookie_insecure")
    assert "abc123" not in cookie.evidence  # cookie values never appear


async def test_good_tls_has_no_finding(web: Nginx) -> None:
    endpoint = web.good.removeprefix("https://").rstrip("/")
    report = await audit("tls", endpoint, AuditOptions(ca_file=web.good_certs.ca))
    assert report.findings == []
    assert report.facts["verified"] is True
    assert report.facts["chain_length"] == 2
    assert report.facts["protocols"]["TLSv1.3"] is True
    assert report.facts["protocols"]["TLSv1.0"] is False


@pytest.mark.parametrize(
    ("id_", "subject_end", "severity"),
    [
        ("tls.hostname_mismatch", "", Severity.CRITICAL),
        ("tls.chain_incomplete", "", Severity.HIGH),
        ("tls.certificate_expiring", "certificate", Severity.HIGH),
        ("tls.legacy_protocol", "", Severity.HIGH),
        ("tls.weak_key", "certificate", Severity.HIGH),
        ("tls.weak_cipher", "anonymous", Severity.CRITICAL),
        ("tls.weak_cipher", "static_rsa", Severity.MEDIUM),
        ("tls.no_tls13", "", Severity.LOW),
    ],
)
async def test_bad_tls(web: Nginx, id_: str, subject_end: str, severity: Severity) -> None:
    endpoint = web.bad_https.removeprefix("https://").split("/")[0]
    report = await audit("tls", endpoint, AuditOptions(ca_file=web.bad_certs.ca))
    found = [f for f in report.findings if f.id == id_ and f.subject.endswith(subject_end)]
    assert found, f"{id_} {subject_end} not in {sorted((f.id, f.subject) for f in report.findings)}"
    assert found[0].severity is severity
    if id_ == "tls.legacy_protocol":
        assert "TLSv1.0" in found[0].title
        assert "@SECLEVEL=0" in found[0].evidence


async def test_tls_without_the_private_ca_is_untrusted(web: Nginx) -> None:
    endpoint = web.good.removeprefix("https://").rstrip("/")
    report = await audit("tls", endpoint)
    assert "tls.chain_untrusted" in ids(report)


async def test_asset_count_and_byte_limits(web: Nginx) -> None:
    cap = 50_000
    report = await audit("web", web.bad_http, AuditOptions(max_assets=3, max_asset_bytes=cap))
    assert report.facts["assets"] == 3
    assert report.facts["assets_skipped"] == 5
    assert any("not fetched (limit of 3)" in n for n in report.notes)
    # every body stops shortly after the cap (one read of 64 KiB at most past it)
    assert report.facts["transfer_bytes"] <= 4 * (cap + 65536)
