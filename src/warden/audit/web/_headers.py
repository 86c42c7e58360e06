"""Reading the response headers that the web checks judge: Cache-Control, cookies, CSP."""

from __future__ import annotations

import re
from dataclasses import dataclass

from warden.audit.web._fetch import Fetched

_DIRECTIVE = re.compile(r"([a-z\-]+)(?:\s*=\s*\"?([^\",]*)\"?)?")


def cache_control(value: str | None) -> dict[str, str]:
    """``"public, max-age=60"`` -> ``{"public": "", "max-age": "60"}``."""
    if not value:
        return {}
    return {m.group(1): (m.group(2) or "").strip() for m in _DIRECTIVE.finditer(value.lower())}


def max_age(f: Fetched) -> int | None:
    """Freshness lifetime in seconds from s-maxage/max-age (None when neither is given)."""
    cc = cache_control(f.header("cache-control"))
    for key in ("s-maxage", "max-age"):
        if cc.get(key, "").isdigit():
            return int(cc[key])
    return None


@dataclass(frozen=True, slots=True)
class Cookie:
    name: str
    secure: bool
    httponly: bool
    samesite: str | None


def parse_set_cookie(value: str) -> Cookie:
    """The attributes of one Set-Cookie header (the value itself is never kept)."""
    first, *attrs = value.split(";")
    name = first.split("=", 1)[0].strip()
    flags: dict[str, str] = {}
    for attr in attrs:
        key, _, val = attr.strip().partition("=")
        flags[key.strip().lower()] = val.strip()
    return Cookie(name, "secure" in flags, "httponly" in flags, flags.get("samesite"))


def csp_directives(policy: str) -> dict[str, list[str]]:
    """``"default-src 'self'; frame-ancestors 'none'"`` -> directive -> sources."""
    out: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.strip().split()
        if words:
            out.setdefault(words[0].lower(), [w.lower() for w in words[1:]])
    return out


def short_list(urls: list[str], limit: int = 5) -> str:
    """At most ``limit`` URLs, then how many more."""
    shown = ", ".join(urls[:limit])
    return shown + (f" and {len(urls) - limit} more" if len(urls) > limit else "")
