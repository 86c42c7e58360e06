"""Text responses sent without gzip/Brotli, and gzip where Brotli was offered."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity, human_bytes
from warden.audit.web._facts import TEXT_TYPES, WebFacts, register
from warden.audit.web._headers import short_list


@register
class Compression(Check[WebFacts]):
    type = "web.compression"
    finding_ids = ("web.no_compression", "web.no_brotli")
    thresholds = {"min_bytes": 1024, "high_bytes": 500_000}

    def run(self, facts: WebFacts) -> Iterator[Finding]:
        plain: list[tuple[str, int]] = []
        gzip_only: list[str] = []
        for r in facts.responses():
            if r.error or r.status != 200 or r.content_type not in TEXT_TYPES:
                continue
            encoding = (r.header("content-encoding") or "").lower()
            if not encoding or encoding == "identity":
                if r.wire_bytes >= self.limit("min_bytes"):
                    plain.append((r.url, r.wire_bytes))
            elif "br" not in encoding and "zstd" not in encoding:
                gzip_only.append(r.url)
        if plain:
            total = sum(n for _, n in plain)
            yield self.finding(
                "web.no_compression",
                Severity.HIGH if total >= self.limit("high_bytes") else Severity.MEDIUM,
                f"{len(plain)} text responses",
                f"{len(plain)} text responses are sent uncompressed ({human_bytes(total)})",
                "requested with Accept-Encoding: gzip, deflate, br, served without "
                f"Content-Encoding: {short_list([u for u, _ in plain])}.",
                "HTML, CSS and JavaScript shrink 70-90% with gzip or Brotli: uncompressed they "
                "take several times longer to download, most on mobile networks.",
                "Turn on compression for text types (nginx: gzip on; gzip_types text/css "
                "application/javascript application/json image/svg+xml; or brotli), or "
                "precompress static files (gzip_static on).",
                bytes=total,
            )
        if gzip_only:
            yield self.finding(
                "web.no_brotli",
                Severity.LOW,
                f"{len(gzip_only)} text responses",
                "Brotli is not used",
                f"Brotli was offered (Accept-Encoding: br) but {len(gzip_only)} responses came "
                f"gzip-compressed: {short_list(gzip_only)}.",
                "Brotli is 15-25% smaller than gzip for text, and every browser supports it.",
                "Serve Brotli (ngx_brotli, a CDN, or precompressed .br files); keep gzip as "
                "the fallback.",
            )
