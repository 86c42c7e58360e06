"""Redirect chains before the page: each hop is a full round trip."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity
from warden.audit.web._facts import WebFacts, register


@register
class Redirects(Check[WebFacts]):
    type = "web.redirects"
    finding_ids = ("web.redirect_chain",)
    thresholds = {"low_hops": 2, "medium_hops": 3}

    def run(self, facts: WebFacts) -> Iterator[Finding]:
        hops = facts.hops
        if len(hops) < self.limit("low_hops"):
            return
        chain = " -> ".join(f"{h.url} ({h.status}, {h.elapsed * 1000:.0f} ms)" for h in hops)
        spent = sum(h.elapsed for h in hops)
        yield self.finding(
            "web.redirect_chain",
            Severity.MEDIUM if len(hops) >= self.limit("medium_hops") else Severity.LOW,
            facts.url,
            f"{len(hops)} redirects before the page",
            f"{chain} -> {facts.final_url}; {spent * 1000:.0f} ms spent redirecting.",
            "Every redirect is another round trip (often with a new connection and TLS "
            "handshake) before the browser can even start on the page.",
            "Link and redirect straight to the final URL in one hop (e.g. http://a -> "
            "https://www.a directly).",
            hops=len(hops),
            seconds=spent,
        )
