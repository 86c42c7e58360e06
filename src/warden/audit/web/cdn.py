"""Whether a CDN serves the static assets, recognised from response headers."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from warden.audit._base import Check, Finding, Severity
from warden.audit.web._cdn import recognise_cdn
from warden.audit.web._facts import WebFacts, register


@register
class Cdn(Check[WebFacts]):
    type = "web.cdn"
    finding_ids = ("web.no_cdn",)

    def run(self, facts: WebFacts) -> Iterator[Finding]:
        static = [a.fetched for a in facts.assets if not a.fetched.error]
        if not static:
            return
        if any(recognise_cdn(dict(f.headers)) for f in [facts.page, *static]):
            return
        hosts = sorted({urlsplit(f.url).netloc for f in static})
        yield self.finding(
            "web.no_cdn",
            Severity.LOW,
            ", ".join(hosts),
            "static assets are not served by a CDN",
            f"no CDN headers (CF-Ray, X-Amz-Cf-Id, X-Served-By, X-Cache, ...) on {len(static)} "
            f"assets from {', '.join(hosts)}.",
            "Far-away users wait a long round trip for every asset, and the origin serves "
            "all the bytes itself.",
            "Put the static assets (or the whole site) behind a CDN; cache fingerprinted "
            "files there for a year.",
        )
