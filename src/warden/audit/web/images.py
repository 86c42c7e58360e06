"""Images in old formats (JPEG/PNG/GIF without WebP/AVIF) and images larger than shown."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity, human_bytes
from warden.audit.web._facts import WebFacts, register
from warden.audit.web._headers import short_list

LEGACY = {"image/jpeg", "image/png", "image/gif", "image/bmp", "image/tiff"}


@register
class Images(Check[WebFacts]):
    type = "web.images"
    finding_ids = ("web.legacy_image_format", "web.oversized_image")
    thresholds = {
        "legacy_min_bytes": 30_000,
        "legacy_medium_total": 200_000,
        "oversized_bytes": 500_000,
        "high_bytes": 2_000_000,
        "scale_factor": 2.0,
        "min_pixels_wide": 400,
    }

    def run(self, facts: WebFacts) -> Iterator[Finding]:
        legacy: list[tuple[str, int]] = []
        oversized: list[str] = []
        worst = 0
        for a in facts.assets:
            f = a.fetched
            if a.kind != "image" or f.error or f.status != 200:
                continue
            modern = a.image is not None and a.image.modern_sources
            if (
                f.content_type in LEGACY
                and not modern
                and f.wire_bytes >= self.limit("legacy_min_bytes")
            ):
                legacy.append((f.url, f.wire_bytes))
            reasons = []
            if f.wire_bytes >= self.limit("oversized_bytes"):
                reasons.append(human_bytes(f.wire_bytes))
            shown = a.image.width if a.image else None
            wide = a.pixels is not None and a.pixels[0] >= self.limit("min_pixels_wide")
            if a.pixels and shown and wide and a.pixels[0] >= self.limit("scale_factor") * shown:
                reasons.append(f"{a.pixels[0]}x{a.pixels[1]} px shown at width {shown}")
            if reasons:
                oversized.append(f"{f.url} ({', '.join(reasons)})")
                worst = max(worst, f.wire_bytes)
        if legacy:
            total = sum(n for _, n in legacy)
            yield self.finding(
                "web.legacy_image_format",
                Severity.MEDIUM if total >= self.limit("legacy_medium_total") else Severity.LOW,
                f"{len(legacy)} images",
                f"{len(legacy)} images are JPEG/PNG/GIF without a WebP or AVIF version",
                f"{human_bytes(total)} in legacy formats (Accept offered image/avif and "
                f"image/webp): {short_list([u for u, _ in legacy])}.",
                "WebP is typically 25-35% smaller than JPEG/PNG and AVIF about 50%: images are "
                "most of the bytes of a typical page.",
                "Convert at build time (cwebp, avifenc, sharp) and serve with <picture><source "
                'type="image/avif"> or by content negotiation on Accept.',
                bytes=total,
            )
        if oversized:
            yield self.finding(
                "web.oversized_image",
                Severity.HIGH if worst >= self.limit("high_bytes") else Severity.MEDIUM,
                f"{len(oversized)} images",
                f"{len(oversized)} images are heavier or larger than they are shown",
                short_list(oversized) + ".",
                "Oversized images waste bandwidth and delay the largest contentful paint.",
                "Resize to the displayed size (with srcset/sizes for screens of higher "
                "density) and compress (quality 75-85 is usually invisible).",
                largest_bytes=worst,
            )
