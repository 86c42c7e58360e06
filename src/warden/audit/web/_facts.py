"""What a web audit measured: the redirect chain, the page, its assets, ALPN, and its registry."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from warden.audit._base import Check, registrar
from warden.audit.web._fetch import Fetched
from warden.audit.web._html import ImageRef, PageRefs
from warden.plugins import Registry

TEXT_TYPES = (
    "text/html",
    "text/css",
    "text/plain",
    "text/javascript",
    "application/javascript",
    "application/x-javascript",
    "application/json",
    "application/xml",
    "text/xml",
    "image/svg+xml",
    "application/manifest+json",
)
_HASH_TOKEN = re.compile(r"[._\-]([A-Za-z0-9_]{8,64})\.[a-z0-9]+$")


def is_hashed_url(url: str) -> bool:
    """True for fingerprinted asset names (``app.3f9a1c2b.js``, ``index-BJ4DR2Yk.css``) or
    versioned queries (``?v=42``): URLs whose content never changes."""
    parts = urlsplit(url)
    if re.search(r"(?:^|&)(?:v|ver|version|hash|h)=", parts.query):
        return True
    m = _HASH_TOKEN.search(parts.path)
    return bool(m and any(c.isdigit() for c in m.group(1)))


@dataclass(frozen=True, slots=True)
class Hop:
    url: str
    status: int
    location: str | None
    elapsed: float


@dataclass(frozen=True, slots=True)
class Asset:
    kind: str  # script, style, image
    fetched: Fetched
    decoded_bytes: int
    image: ImageRef | None = None
    pixels: tuple[int, int] | None = None  # intrinsic size of an image

    @property
    def url(self) -> str:
        return self.fetched.url


@dataclass(frozen=True, slots=True)
class WebFacts:
    """The page at the end of the redirects, its assets and how they were served."""

    url: str
    final_url: str
    hops: list[Hop]
    page: Fetched
    html_bytes: int
    refs: PageRefs
    assets: list[Asset]
    skipped_assets: int
    alpn: str | None  # negotiated with an h2-capable offer; None over cleartext
    tls_error: str | None  # certificate verification failure of the final origin
    origins: dict[
        str, tuple[int, int, int, bool]
    ]  # origin -> (connections, requests, reused, closed)
    load_seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def https(self) -> bool:
        return self.final_url.lower().startswith("https://")

    def responses(self) -> list[Fetched]:
        """The page and every fetched asset."""
        return [self.page, *(a.fetched for a in self.assets)]

    def summary(self) -> dict[str, Any]:
        return {
            "final_url": self.final_url,
            "status": self.page.status,
            "redirects": len(self.hops),
            "ttfb_seconds": self.page.ttfb,
            "load_seconds": self.load_seconds,
            "html_bytes": self.html_bytes,
            "assets": len(self.assets),
            "assets_skipped": self.skipped_assets,
            "transfer_bytes": sum(r.wire_bytes for r in self.responses()),
            "alpn": self.alpn,
            "origins": {
                o: {"connections": c, "requests": r, "reused": u}
                for o, (c, r, u, _) in self.origins.items()
            },
        }


REGISTRY: Registry[type[Check[WebFacts]]] = Registry("web audit check")
register = registrar(REGISTRY)
