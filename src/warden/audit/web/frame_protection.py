"""Protection against framing (clickjacking): X-Frame-Options or CSP frame-ancestors."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity
from warden.audit.web._facts import WebFacts, register
from warden.audit.web._headers import csp_directives


@register
class FrameProtection(Check[WebFacts]):
    type = "web.frame_protection"
    finding_ids = ("web.frame_protection_missing",)

    def run(self, facts: WebFacts) -> Iterator[Finding]:
        xfo = (facts.page.header("x-frame-options") or "").strip().upper()
        csp = csp_directives(facts.page.header("content-security-policy") or "")
        if xfo in {"DENY", "SAMEORIGIN"} or "frame-ancestors" in csp:
            return
        yield self.finding(
            "web.frame_protection_missing",
            Severity.MEDIUM,
            facts.final_url,
            "the page can be framed by any site",
            f"X-Frame-Options is {xfo or 'absent'} and the CSP header has no frame-ancestors "
            "(a <meta> CSP cannot set it).",
            "Another site can load the page in an invisible frame and trick users into "
            "clicking its buttons (clickjacking).",
            "Send Content-Security-Policy: frame-ancestors 'self' (or X-Frame-Options: "
            "SAMEORIGIN for old browsers).",
        )
