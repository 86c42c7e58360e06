"""Requests serialized ahead of time: the exact HTTP/1.1 bytes each worker writes.

A request without ``{{variables}}`` becomes one ``bytes`` object sent as-is, so the hot path
allocates nothing to build it. A request with variables keeps its head and body as lists of
literal bytes and variable names, joined per request (values in the path are percent-encoded,
values in headers lose any CR/LF, and Content-Length follows the rendered body).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from warden.loadtest.checks import Check, StatusCheck

VAR_RE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
USER_AGENT = "warden-load/1"

Part = bytes | str
"""A literal piece of a request (bytes) or the name of a variable (str)."""


def split_vars(text: str) -> tuple[Part, ...]:
    """``"/u/{{id}}/x"`` -> ``(b"/u/", "id", b"/x")``."""
    parts: list[Part] = []
    pos = 0
    for m in VAR_RE.finditer(text):
        if m.start() > pos:
            parts.append(text[pos : m.start()].encode())
        parts.append(m.group(1))
        pos = m.end()
    if pos < len(text):
        parts.append(text[pos:].encode())
    return tuple(parts)


def variable_names(parts: Sequence[Part]) -> list[str]:
    return [p for p in parts if isinstance(p, str)]


@dataclass(frozen=True, slots=True)
class RequestTemplate:
    """One request of a scenario, ready to be written on a connection."""

    index: int
    name: str
    method: str
    static: bytes | None
    path: tuple[Part, ...]
    head: tuple[Part, ...]
    body: tuple[Part, ...]
    send_length: bool
    checks: tuple[Check, ...]

    @property
    def status_checked(self) -> bool:
        return any(isinstance(c, StatusCheck) for c in self.checks)

    @property
    def needs_body(self) -> bool:
        return any(c.needs_body for c in self.checks)

    def render(self, values: Mapping[str, str]) -> bytes:
        """The request bytes for one set of variable values."""
        if self.static is not None:
            return self.static
        path = b"".join(
            p if isinstance(p, bytes) else quote(values[p], safe="/:@!$&'()*+,;=-._~?").encode()
            for p in self.path
        )
        head = b"".join(
            p if isinstance(p, bytes) else _header_safe(values[p]).encode() for p in self.head
        )
        body = b"".join(p if isinstance(p, bytes) else values[p].encode() for p in self.body)
        out = [self.method.encode(), b" ", path, b" HTTP/1.1\r\n", head]
        if self.send_length or body:
            out.append(b"Content-Length: %d\r\n" % len(body))
        out += [b"\r\n", body]
        return b"".join(out)


def _header_safe(value: str) -> str:
    return value.replace("\r", " ").replace("\n", " ")


def compile_request(
    index: int,
    name: str,
    method: str,
    path: str,
    host_header: str,
    headers: Mapping[str, str],
    body: str | None,
    checks: tuple[Check, ...],
) -> RequestTemplate:
    """Serialize one request; ``path`` includes the query string."""
    method = method.upper()
    lines = f"Host: {host_header}\r\n"
    lowered = {k.lower() for k in headers}
    if "user-agent" not in lowered:
        lines += f"User-Agent: {USER_AGENT}\r\n"
    if "accept" not in lowered:
        lines += "Accept: */*\r\n"
    for key, value in headers.items():
        lines += f"{key}: {value}\r\n"
    path_parts = split_vars(path)
    head_parts = split_vars(lines)
    body_parts = split_vars(body) if body else ()
    send_length = method in ("POST", "PUT", "PATCH") or bool(body)
    template = RequestTemplate(
        index, name, method, None, path_parts, head_parts, body_parts, send_length, checks
    )
    if not any(isinstance(p, str) for p in (*path_parts, *head_parts, *body_parts)):
        template = RequestTemplate(
            index,
            name,
            method,
            template.render({}),
            path_parts,
            head_parts,
            body_parts,
            send_length,
            checks,
        )
    return template


def weighted_order(weights: Sequence[float], slots: int = 1000) -> tuple[int, ...]:
    """A cycle of request indexes in which each appears in proportion to its weight, spread
    evenly (smooth weighted round-robin), so short runs already get the right mix."""
    total = sum(weights)
    counts = [max(1, round(w / total * slots)) for w in weights]
    common = math.gcd(*counts)
    counts = [c // common for c in counts]
    current = [0.0] * len(counts)
    out = []
    n = sum(counts)
    for _ in range(n):
        for i, c in enumerate(counts):
            current[i] += c
        best = max(range(len(counts)), key=lambda i: current[i])
        current[best] -= n
        out.append(best)
    return tuple(out)
