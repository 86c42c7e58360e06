"""Helpers shared by the gatherers: is a host this machine, and how much RAM does it have."""

from __future__ import annotations

import ipaddress
import re

import psutil

_LITERAL_RE = re.compile(r"'(?:[^']|'')*'")


def is_local_host(host: str | None) -> bool:
    """True for loopback names and addresses and for Unix socket directories."""
    if not host:
        return True  # libpq's default is the local Unix socket
    if host.startswith("/") or host.lower() in {"localhost", "localhost.localdomain"}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def local_memory() -> int:
    """Total RAM of this machine in bytes."""
    return int(psutil.virtual_memory().total)


def redact_literals(query: str, limit: int = 300) -> str:
    """A query text safe to show: quoted literals become ``'?'``, cut to ``limit`` characters."""
    text = " ".join(_LITERAL_RE.sub("'?'", query).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
