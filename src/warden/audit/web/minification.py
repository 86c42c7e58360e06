"""CSS and JavaScript files that are not minified."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity, human_bytes
from warden.audit.web._facts import WebFacts, register
from warden.audit.web._headers import short_list
from warden.audit.web._minify import looks_unminified


@register
class Minification(Check[WebFacts]):
    type = "web.minification"
    finding_ids = ("web.unminified",)
    thresholds = {"min_bytes": 2048, "medium_savings": 50_000}

    def run(self, facts: WebFacts) -> Iterator[Finding]:
        found: list[str] = []
        savings = 0
        for a in facts.assets:
            f = a.fetched
            if a.kind not in {"script", "style"} or f.error or f.status != 200:
                continue
            body = f.decoded(min(len(f.body) * 20 + 1024, 20_000_000))
            unminified, removable = looks_unminified(body, int(self.limit("min_bytes")))
            if unminified:
                found.append(f"{f.url} (~{human_bytes(removable)} of comments/indentation)")
                savings += removable
        if not found:
            return
        yield self.finding(
            "web.unminified",
            Severity.MEDIUM if savings >= self.limit("medium_savings") else Severity.LOW,
            f"{len(found)} CSS/JS files",
            f"{len(found)} CSS/JavaScript files are not minified",
            f"short lines with comments and indentation: {short_list(found)}.",
            "Comments and whitespace are bytes every visitor downloads and parses for nothing.",
            "Minify in the build (esbuild, terser, lightningcss, or the bundler's production "
            "mode).",
            removable_bytes=savings,
        )
