"""JavaScript and CSS payload of the page (bytes on the wire)."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity, human_bytes
from warden.audit.web._facts import WebFacts, register


@register
class Payload(Check[WebFacts]):
    type = "web.payload"
    finding_ids = ("web.js_payload", "web.css_payload")
    thresholds = {
        "js_medium_bytes": 500_000,
        "js_high_bytes": 1_500_000,
        "css_medium_bytes": 150_000,
        "css_high_bytes": 500_000,
    }

    def run(self, facts: WebFacts) -> Iterator[Finding]:
        for kind, id_, name, why in (
            ("script", "web.js_payload", "JavaScript",
             "JavaScript must be downloaded, parsed and executed before the page responds: "
             "on a mid-range phone each megabyte costs seconds."),
            ("style", "web.css_payload", "CSS",
             "CSS blocks rendering: nothing is painted until it has arrived and been parsed."),
        ):  # fmt: skip
            files = [a for a in facts.assets if a.kind == kind and not a.fetched.error]
            wire = sum(a.fetched.wire_bytes for a in files)
            decoded = sum(a.decoded_bytes for a in files)
            prefix = "js" if kind == "script" else "css"
            if wire < self.limit(f"{prefix}_medium_bytes"):
                continue
            high = wire >= self.limit(f"{prefix}_high_bytes")
            biggest = sorted(files, key=lambda a: a.fetched.wire_bytes, reverse=True)[:3]
            listed = ", ".join(f"{a.url} ({human_bytes(a.fetched.wire_bytes)})" for a in biggest)
            yield self.finding(
                id_,
                Severity.HIGH if high else Severity.MEDIUM,
                f"{len(files)} {name} files",
                f"{human_bytes(wire)} of {name} on the page",
                f"{len(files)} files, {human_bytes(wire)} transferred, {human_bytes(decoded)} "
                f"decoded; largest: {listed}.",
                why,
                "Split the bundle by route (dynamic import), drop unused dependencies (check a "
                "bundle analyser), defer non-critical code, and minify.",
                bytes=wire,
                decoded_bytes=decoded,
            )
