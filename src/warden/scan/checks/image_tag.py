"""Images without a tag or tagged ``latest``: deploys are not reproducible."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Severity
from warden.scan._base import ScanCheck, register
from warden.scan._model import ScanFacts, ScanFinding
from warden.scan.checks._helpers import image_tag

_FIX = "Pin a version tag (postgres:16.4) or, better, a digest (image@sha256:...)."


@register
class ImageTag(ScanCheck):
    type = "image.tag"
    finding_ids = ("image.latest",)
    reference = "https://docs.docker.com/build/building/best-practices/"

    def run(self, facts: ScanFacts) -> Iterator[ScanFinding]:
        for c in facts.containers:
            if c.source == "dockerfile":
                refs = [(str(img), (c.file, line)) for img, line in c.spec.get("from", [])]
            elif c.source == "compose" and "build" in c.spec:
                continue
            else:
                refs = [(str(c.image), c.locate("image"))] if isinstance(c.image, str) else []
            for image, where in refs:
                tag = image_tag(image)
                if tag in ("", "latest"):
                    what = "is untagged (latest)" if tag == "" else "uses the latest tag"
                    yield self.finding(
                        "image.latest",
                        Severity.MEDIUM,
                        where,
                        f"image {image} {what}",
                        _FIX,
                        resource=c.label,
                    )
