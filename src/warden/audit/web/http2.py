"""HTTP/2 (negotiated by ALPN over TLS), and pages served over cleartext HTTP."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity
from warden.audit.web._facts import WebFacts, register


@register
class Http2(Check[WebFacts]):
    type = "web.http2"
    finding_ids = ("web.no_http2", "web.plain_http")

    def run(self, facts: WebFacts) -> Iterator[Finding]:
        if not facts.https:
            yield self.finding(
                "web.plain_http",
                Severity.HIGH,
                facts.final_url,
                "the page is served over cleartext HTTP",
                f"the final URL {facts.final_url} is http://. Browsers speak HTTP/2 only over "
                "TLS (h2 via ALPN); cleartext h2c is not what browsers use, so this page "
                "loads over HTTP/1.1 without encryption.",
                "Anyone on the path can read and change the page; browsers mark it 'Not "
                "secure' and it cannot use HTTP/2, Brotli in most browsers, or modern APIs.",
                "Serve HTTPS (a free certificate from Let's Encrypt), redirect http:// to "
                "https:// with a 301, and send HSTS.",
            )
            return
        if facts.alpn is None or facts.alpn == "h2":
            return
        yield self.finding(
            "web.no_http2",
            Severity.MEDIUM,
            facts.final_url,
            "HTTP/2 is not offered",
            f"a TLS handshake offering ALPN h2 and http/1.1 negotiated {facts.alpn}.",
            "Over HTTP/1.1 a browser opens up to 6 connections per origin and queues the "
            "rest: pages with many assets load slower; HTTP/2 multiplexes them on one "
            "connection.",
            "Enable HTTP/2 on the TLS listener (nginx: listen 443 ssl http2; or http2 on;).",
        )
