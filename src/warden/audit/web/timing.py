"""Time to first byte of the page and total load time of the page and its assets."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity, human_seconds
from warden.audit.web._facts import WebFacts, register


@register
class Timing(Check[WebFacts]):
    type = "web.timing"
    finding_ids = ("web.slow_ttfb", "web.slow_load")
    thresholds = {
        "ttfb_medium_seconds": 0.8,
        "ttfb_high_seconds": 1.8,
        "load_medium_seconds": 3.0,
        "load_high_seconds": 6.0,
    }

    def run(self, facts: WebFacts) -> Iterator[Finding]:
        ttfb = facts.page.ttfb
        if ttfb >= self.limit("ttfb_medium_seconds"):
            yield self.finding(
                "web.slow_ttfb",
                Severity.HIGH if ttfb >= self.limit("ttfb_high_seconds") else Severity.MEDIUM,
                facts.final_url,
                f"time to first byte is {human_seconds(ttfb)}",
                f"the server took {human_seconds(ttfb)} from request to first response byte "
                "(connection set-up excluded).",
                "Nothing can render before the first byte; above 0.8 s the page feels slow "
                "whatever the front end does.",
                "Profile the request on the server (slow queries, external calls, missing "
                "caching); cache the rendered page or put a CDN in front.",
                seconds=ttfb,
            )
        load = facts.load_seconds
        if load >= self.limit("load_medium_seconds"):
            yield self.finding(
                "web.slow_load",
                Severity.HIGH if load >= self.limit("load_high_seconds") else Severity.MEDIUM,
                facts.final_url,
                f"the page and its assets took {human_seconds(load)} to load",
                f"{len(facts.assets)} assets fetched 6 at a time per origin, like a browser "
                f"over HTTP/1.1; {human_seconds(load)} from the first request to the last byte.",
                "Users leave slow pages: conversions drop with every second.",
                "Act on the other findings first (compression, caching, images, payload); "
                "measure again.",
                seconds=load,
            )
