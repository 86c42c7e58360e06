"""X-Content-Type-Options: nosniff, so browsers do not guess content types."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity
from warden.audit.web._facts import WebFacts, register


@register
class ContentTypeOptions(Check[WebFacts]):
    type = "web.content_type_options"
    finding_ids = ("web.nosniff_missing",)

    def run(self, facts: WebFacts) -> Iterator[Finding]:
        value = (facts.page.header("x-content-type-options") or "").strip().lower()
        if value == "nosniff":
            return
        yield self.finding(
            "web.nosniff_missing",
            Severity.LOW,
            facts.final_url,
            "no X-Content-Type-Options: nosniff",
            f"X-Content-Type-Options is {value or 'absent'}.",
            "Browsers may sniff an upload or a JSON response as HTML or script and run it.",
            "Send X-Content-Type-Options: nosniff on every response (nginx: add_header "
            'X-Content-Type-Options "nosniff" always;).',
        )
