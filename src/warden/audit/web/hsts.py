"""HTTP Strict Transport Security on HTTPS pages."""

from __future__ import annotations

import re
from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity
from warden.audit.web._facts import WebFacts, register

_MAX_AGE = re.compile(r"max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


@register
class Hsts(Check[WebFacts]):
    type = "web.hsts"
    finding_ids = ("web.hsts_missing", "web.hsts_short")
    thresholds = {"min_seconds": 15_552_000}  # 180 days

    def run(self, facts: WebFacts) -> Iterator[Finding]:
        if not facts.https:
            return
        value = facts.page.header("strict-transport-security")
        if value is None:
            yield self.finding(
                "web.hsts_missing",
                Severity.MEDIUM,
                facts.final_url,
                "no Strict-Transport-Security header",
                "the HTTPS page is served without HSTS.",
                "Without HSTS the first request of a visit may go over http://, where an "
                "attacker on the network can strip TLS.",
                "Send Strict-Transport-Security: max-age=31536000; includeSubDomains (nginx: "
                'add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" '
                "always;).",
            )
            return
        m = _MAX_AGE.search(value)
        age = int(m.group(1)) if m else 0
        if age < self.limit("min_seconds"):
            yield self.finding(
                "web.hsts_short",
                Severity.LOW,
                facts.final_url,
                f"HSTS max-age is only {age} seconds",
                f"Strict-Transport-Security: {value}.",
                "A short max-age lets the protection lapse between visits.",
                "Use max-age=31536000 (one year) once HTTPS works everywhere on the domain.",
                max_age=age,
            )
