"""Connection reuse (HTTP keep-alive): each new connection costs TCP and TLS round trips."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity
from warden.audit.web._facts import WebFacts, register


@register
class KeepAlive(Check[WebFacts]):
    type = "web.keep_alive"
    finding_ids = ("web.no_keep_alive",)

    def run(self, facts: WebFacts) -> Iterator[Finding]:
        bad = []
        for origin, (connections, requests, reused, closed) in facts.origins.items():
            if requests >= 2 and reused == 0 and (closed or connections >= requests):
                bad.append(f"{origin}: {requests} requests on {connections} connections")
        page_close = "close" in (facts.page.header("connection") or "").lower()
        if not bad and not page_close:
            return
        evidence = "; ".join(bad) or "the page response carries Connection: close"
        yield self.finding(
            "web.no_keep_alive",
            Severity.MEDIUM,
            facts.final_url,
            "connections are not kept alive",
            evidence + ".",
            "Without keep-alive every request pays a new TCP (and TLS) handshake: one or two "
            "extra round trips per asset.",
            "Enable keep-alive on the server and any proxy (nginx: keepalive_timeout 65; "
            "keepalive_requests 1000;), and do not send Connection: close.",
        )
