"""Browser caching of static assets: Cache-Control lifetimes, immutable hashed files, validators."""

from __future__ import annotations

from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity
from warden.audit.web._facts import WebFacts, is_hashed_url, register
from warden.audit.web._headers import cache_control, max_age, short_list

DAY = 86400


@register
class Caching(Check[WebFacts]):
    type = "web.caching"
    finding_ids = (
        "web.no_cache_headers",
        "web.short_cache",
        "web.hashed_not_immutable",
        "web.no_validator",
    )
    thresholds = {"short_days": 7, "hashed_days": 180}

    def run(self, facts: WebFacts) -> Iterator[Finding]:
        none: list[str] = []
        short: list[str] = []
        hashed: list[str] = []
        no_validator: list[str] = []
        for a in facts.assets:
            f = a.fetched
            if f.error or f.status != 200:
                continue
            cc = cache_control(f.header("cache-control"))
            age = max_age(f)
            if not f.header("etag") and not f.header("last-modified"):
                no_validator.append(f.url)
            if "no-store" in cc:
                continue  # deliberate
            if age is None and not f.header("expires"):
                none.append(f.url)
            elif age is not None and age < self.limit("short_days") * DAY:
                short.append(f"{f.url} (max-age={age})")
            if (
                is_hashed_url(f.url)
                and "immutable" not in cc
                and (age is None or age < self.limit("hashed_days") * DAY)
            ):
                hashed.append(f.url)
        if none:
            yield self.finding(
                "web.no_cache_headers",
                Severity.MEDIUM,
                f"{len(none)} static assets",
                f"{len(none)} static assets have no caching headers",
                f"no Cache-Control max-age and no Expires: {short_list(none)}.",
                "Browsers then guess (or revalidate on every visit): repeat visits re-download "
                "or wait on round trips for files that did not change.",
                "Send Cache-Control for static files (nginx: location ~* \\.(css|js|png|jpg|"
                "webp|avif|svg|woff2)$ { expires 7d; }), and a year + immutable for "
                "fingerprinted names.",
            )
        if short:
            yield self.finding(
                "web.short_cache",
                Severity.LOW,
                f"{len(short)} static assets",
                f"{len(short)} static assets are cached less than "
                f"{self.limit('short_days'):.0f} days",
                short_list(short) + ".",
                "Short lifetimes make returning visitors fetch or revalidate assets often.",
                "Fingerprint asset names at build time and cache them for a year; keep short "
                "lifetimes for HTML only.",
            )
        if hashed:
            yield self.finding(
                "web.hashed_not_immutable",
                Severity.LOW,
                f"{len(hashed)} fingerprinted assets",
                f"{len(hashed)} fingerprinted assets are not cached as immutable",
                f"names carry a content hash or version but lack 'immutable' and a long "
                f"max-age: {short_list(hashed)}.",
                "A fingerprinted file never changes: anything less than a long immutable "
                "lifetime costs revalidation requests for nothing.",
                "Cache-Control: public, max-age=31536000, immutable for fingerprinted files.",
            )
        if no_validator:
            yield self.finding(
                "web.no_validator",
                Severity.LOW,
                f"{len(no_validator)} static assets",
                f"{len(no_validator)} static assets have neither ETag nor Last-Modified",
                short_list(no_validator) + ".",
                "Without a validator an expired file is downloaded again in full instead of "
                "a cheap 304 Not Modified.",
                "Let the server send ETag or Last-Modified (nginx does for static files; "
                "check a proxy or framework is not stripping them).",
            )
