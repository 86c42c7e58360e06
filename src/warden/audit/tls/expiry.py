"""Days until the certificate expires (or since it did), and certificates not yet valid."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity
from warden.audit.tls._facts import TlsFacts, register


def _date(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


@register
class Expiry(Check[TlsFacts]):
    type = "tls.expiry"
    finding_ids = ("tls.certificate_expired", "tls.certificate_expiring", "tls.not_yet_valid")
    thresholds = {"low_days": 30, "medium_days": 21, "high_days": 7}

    def run(self, facts: TlsFacts) -> Iterator[Finding]:
        for i, cert in enumerate(facts.chain):
            which = "certificate" if i == 0 else f"chain certificate {i} ({cert.subject})"
            days = (cert.not_after - facts.now) / 86400
            fix = (
                "Renew the certificate and reload the server; automate renewal (ACME/certbot) "
                "and let Warden's tls monitor alert 3 weeks ahead."
            )
            if cert.not_before > facts.now:
                yield self.finding(
                    "tls.not_yet_valid",
                    Severity.CRITICAL,
                    f"{facts.host}:{facts.port} {which}",
                    f"the {which} is not valid before {_date(cert.not_before)}",
                    f"notBefore {_date(cert.not_before)} is in the future (check the clocks).",
                    "Clients reject a certificate that is not yet valid.",
                    "Check the server's and the CA's clocks; serve a currently valid certificate.",
                )
            if days < 0:
                yield self.finding(
                    "tls.certificate_expired",
                    Severity.CRITICAL,
                    f"{facts.host}:{facts.port} {which}",
                    f"the {which} expired {-days:.0f} days ago",
                    f"notAfter {_date(cert.not_after)}.",
                    "Browsers and API clients refuse the connection.",
                    fix,
                    days_left=days,
                )
            elif days < self.limit("low_days"):
                if days < self.limit("high_days"):
                    severity = Severity.HIGH
                elif days < self.limit("medium_days"):
                    severity = Severity.MEDIUM
                else:
                    severity = Severity.LOW
                yield self.finding(
                    "tls.certificate_expiring",
                    severity,
                    f"{facts.host}:{facts.port} {which}",
                    f"the {which} expires in {days:.0f} days",
                    f"notAfter {_date(cert.not_after)} ({days:.1f} days left).",
                    "When it expires every client refuses the connection.",
                    fix,
                    days_left=days,
                )
