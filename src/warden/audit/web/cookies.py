"""Cookies set without Secure, HttpOnly or SameSite (names only: values are never shown)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from warden.audit._base import Check, Finding, Severity
from warden.audit.web._facts import WebFacts, register
from warden.audit.web._headers import Cookie, parse_set_cookie

_SESSION_LIKE = re.compile(r"sess|sid|auth|token|jwt|login|remember", re.IGNORECASE)


@register
class Cookies(Check[WebFacts]):
    type = "web.cookies"
    finding_ids = ("web.cookie_insecure", "web.cookie_no_httponly", "web.cookie_no_samesite")

    def run(self, facts: WebFacts) -> Iterator[Finding]:
        cookies: dict[str, Cookie] = {}
        for r in facts.responses():
            for value in r.header_list("set-cookie"):
                c = parse_set_cookie(value)
                cookies.setdefault(c.name, c)
        for c in cookies.values():
            session = bool(_SESSION_LIKE.search(c.name))
            subject = f"cookie {c.name}"
            if facts.https and not c.secure:
                yield self.finding(
                    "web.cookie_insecure",
                    Severity.MEDIUM,
                    subject,
                    f"cookie {c.name} lacks Secure",
                    f"Set-Cookie {c.name} on an HTTPS site without the Secure attribute.",
                    "The browser will also send it over plain http://, where it can be read.",
                    f"Add Secure to the {c.name} cookie.",
                )
            if not c.httponly:
                yield self.finding(
                    "web.cookie_no_httponly",
                    Severity.MEDIUM if session else Severity.LOW,
                    subject,
                    f"cookie {c.name} lacks HttpOnly",
                    f"Set-Cookie {c.name} without HttpOnly"
                    + (" (its name suggests a session)." if session else "."),
                    "Any script on the page, including an injected one, can read it.",
                    f"Add HttpOnly to {c.name} unless front-end code must read it.",
                )
            samesite = (c.samesite or "").lower()
            if not samesite or (samesite == "none" and not c.secure):
                yield self.finding(
                    "web.cookie_no_samesite",
                    Severity.LOW,
                    subject,
                    f"cookie {c.name} has "
                    + ("no SameSite" if not samesite else "SameSite=None without Secure"),
                    f"Set-Cookie {c.name}: SameSite={c.samesite or 'absent'}, "
                    f"Secure={'yes' if c.secure else 'no'}.",
                    "SameSite limits cross-site requests carrying the cookie (CSRF); browsers "
                    "reject SameSite=None without Secure.",
                    f"Set SameSite=Lax (or Strict) on {c.name}.",
                )
