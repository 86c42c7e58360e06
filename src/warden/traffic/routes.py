"""Route templating: ``/users/123/orders?page=2`` -> ``/users/:id/orders``.

Configured patterns win (``/users/:name`` matches one segment per ``:param``, ``*`` matches
the rest); otherwise segments that look like identifiers are replaced: numbers (``:id``),
UUIDs (``:uuid``), long hex strings (``:hash``) and long tokens mixing letters and digits
(``:token``). Past ``max_routes`` distinct routes every new one counts as ``(other)``, so a
log full of random paths cannot grow memory or the store without bound.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

OTHER = "(other)"
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_HEX = re.compile(r"^[0-9a-fA-F]{16,}$")
_TOKEN = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_\-]{20,}$")
_CACHE_LIMIT = 100_000


def _segment(seg: str) -> str:
    if seg.isdigit():
        return ":id"
    if len(seg) == 36 and _UUID.match(seg):
        return ":uuid"
    if len(seg) >= 16 and _HEX.match(seg):
        return ":hash"
    if len(seg) >= 20 and _TOKEN.match(seg):
        return ":token"
    return seg


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """``/users/:id/orders`` or ``/static/*`` -> a regex over a path (without query)."""
    if not pattern.startswith("/"):
        raise ValueError(f"route pattern {pattern!r} must start with /")
    parts = []
    for seg in pattern.strip("/").split("/"):
        if seg == "*":
            parts.append(".*")
        elif seg.startswith(":"):
            parts.append("[^/]+")
        else:
            parts.append(re.escape(seg))
    return re.compile("/" + "/".join(parts) + "/?")


class RouteNamer:
    """Names the route of a request target; call it with the target as logged."""

    def __init__(self, patterns: Sequence[str] = (), max_routes: int = 1000) -> None:
        self.patterns = [(compile_pattern(p), p) for p in patterns]
        self.max_routes = max_routes
        self.routes: set[str] = set()
        self._cache: dict[str, str] = {}

    def __call__(self, target: str) -> str:
        found = self._cache.get(target)
        if found is not None:
            return found
        route = self._name(target)
        if route not in self.routes:
            if len(self.routes) >= self.max_routes:
                route = OTHER
            else:
                self.routes.add(route)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[target] = route
        return route

    def _name(self, target: str) -> str:
        path = target.split("?", 1)[0].split("#", 1)[0] or "/"
        if "://" in path:  # an absolute-form target (proxies): keep the path
            path = "/" + path.split("://", 1)[1].partition("/")[2]
        for regex, template in self.patterns:
            if regex.fullmatch(path):
                return template
        return "/".join(_segment(s) for s in path.split("/")) or "/"
