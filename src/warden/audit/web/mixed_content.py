"""HTTPS pages that load scripts, styles or images over http:// (mixed content)."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity
from warden.audit.web._facts import WebFacts, register
from warden.audit.web._headers import short_list


@register
class MixedContent(Check[WebFacts]):
    type = "web.mixed_content"
    finding_ids = ("web.mixed_content",)

    def run(self, facts: WebFacts) -> Iterator[Finding]:
        if not facts.https:
            return
        refs = facts.refs
        insecure = [
            u
            for u in [*refs.scripts, *refs.styles, *(i.url for i in refs.images)]
            if u.lower().startswith("http://")
        ]
        if not insecure:
            return
        active = any(u in refs.scripts or u in refs.styles for u in insecure)
        yield self.finding(
            "web.mixed_content",
            Severity.HIGH if active else Severity.MEDIUM,
            facts.final_url,
            f"the HTTPS page loads {len(insecure)} resources over http://",
            short_list(insecure) + ".",
            "Browsers block http:// scripts and styles on HTTPS pages (the page breaks) and "
            "flag http:// images; on the network they can be read or replaced.",
            "Reference every resource with https:// (or a relative URL) and serve it over TLS.",
        )
