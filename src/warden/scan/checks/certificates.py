"""Certificates checked into the tree that have expired or expire soon."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from warden.audit._base import Severity
from warden.scan._base import ScanCheck, register
from warden.scan._model import ScanFacts, ScanFinding

_FIX = (
    "Renew it (or let cert-manager / ACM issue and rotate it) and stop keeping the "
    "certificate in the repository."
)


@register
class Certificates(ScanCheck):
    type = "cert"
    finding_ids = ("cert.expired", "cert.expiring")
    reference = (
        "https://cheatsheetseries.owasp.org/cheatsheets/Transport_Layer_Security_Cheat_Sheet.html"
    )

    def run(self, facts: ScanFacts) -> Iterator[ScanFinding]:
        for c in facts.certificates:
            days = (c.not_after - facts.now) / 86400
            date = dt.datetime.fromtimestamp(c.not_after, dt.UTC).strftime("%Y-%m-%d")
            if days < 0:
                yield self.finding(
                    "cert.expired",
                    Severity.CRITICAL,
                    (c.file, c.line),
                    f"certificate {c.subject} expired on {date}",
                    _FIX,
                    resource=c.subject,
                )
            elif days < facts.cert_days:
                yield self.finding(
                    "cert.expiring",
                    Severity.HIGH,
                    (c.file, c.line),
                    f"certificate {c.subject} expires on {date} ({days:.0f} days,"
                    f" < {facts.cert_days:g})",
                    _FIX,
                    resource=c.subject,
                )
