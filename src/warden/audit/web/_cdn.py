"""Recognises a CDN from the response headers it adds."""

from __future__ import annotations

from collections.abc import Callable, Mapping

Headers = Mapping[str, str]

_RULES: list[tuple[str, Callable[[Headers], bool]]] = [
    ("Cloudflare", lambda h: "cf-ray" in h or h.get("server", "").lower() == "cloudflare"),
    ("Amazon CloudFront", lambda h: "x-amz-cf-id" in h or "cloudfront" in h.get("via", "").lower()),
    ("Fastly", lambda h: "x-fastly-request-id" in h or "fastly" in h.get("x-served-by", "").lower()
        or h.get("x-served-by", "").startswith("cache-")),
    ("Akamai", lambda h: "akamai-grn" in h or "x-akamai-transformed" in h
        or "akamai" in h.get("server", "").lower()),
    ("Google Cloud CDN", lambda h: h.get("via", "").lower().endswith("google")),
    ("Azure Front Door", lambda h: "x-azure-ref" in h),
    ("Vercel", lambda h: "x-vercel-cache" in h or "x-vercel-id" in h),
    ("Netlify", lambda h: "x-nf-request-id" in h),
    ("Bunny CDN", lambda h: h.get("server", "").lower().startswith("bunnycdn")),
    ("KeyCDN", lambda h: h.get("server", "").lower() == "keycdn-engine"),
    ("jsDelivr", lambda h: "x-jsd-version" in h),
    ("Varnish cache", lambda h: "x-varnish" in h),
]  # fmt: skip


def recognise_cdn(headers: Headers) -> str | None:
    """The CDN (or edge cache) that served a response, from lower-case header names."""
    for name, rule in _RULES:
        if rule(headers):
            return name
    if "x-cache" in headers and any(w in headers["x-cache"].lower() for w in ("hit", "miss")):
        return "a caching proxy (X-Cache)"
    return None
