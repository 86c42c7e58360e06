"""Error responses: a failing page, broken assets, and a certificate that does not verify."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity
from warden.audit.web._facts import WebFacts, register
from warden.audit.web._headers import short_list


@register
class Status(Check[WebFacts]):
    type = "web.status"
    finding_ids = ("web.http_error", "web.broken_asset", "web.certificate_invalid")

    def run(self, facts: WebFacts) -> Iterator[Finding]:
        if facts.page.status >= 400:
            yield self.finding(
                "web.http_error",
                Severity.HIGH,
                facts.final_url,
                f"the page answers HTTP {facts.page.status}",
                f"GET {facts.final_url} returned {facts.page.status}.",
                "Visitors get an error page.",
                "Check the server's error log for this URL.",
                status=facts.page.status,
            )
        broken = [
            f"{a.url} ({a.fetched.error or a.fetched.status})"
            for a in facts.assets
            if a.fetched.error or a.fetched.status >= 400
        ]
        if broken:
            yield self.finding(
                "web.broken_asset",
                Severity.MEDIUM,
                f"{len(broken)} assets",
                f"{len(broken)} referenced assets fail to load",
                short_list(broken) + ".",
                "Missing scripts or styles break the page; missing images leave holes; each "
                "failure still costs a request.",
                "Fix the references or deploy the missing files.",
            )
        if facts.tls_error:
            yield self.finding(
                "web.certificate_invalid",
                Severity.CRITICAL,
                facts.final_url,
                "the certificate does not verify",
                f"verification of {facts.final_url} failed: {facts.tls_error}.",
                "Browsers show a full-page warning instead of the site.",
                "Run `warden audit tls` on the host for the details and fix the chain or name.",
            )
