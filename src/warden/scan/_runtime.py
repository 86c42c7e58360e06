"""What Warden knows of the running system, for the scan's cross-checks: the configured
backups and their last passed restore drill (from the store), the database addresses the
config names (monitors, audits, backup sources) that answer a TCP connection, and the TLS
monitors' warning window for certificates."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from warden.scan._model import Endpoint, RuntimeFacts, ScanOptions

Connect = Callable[[str, int, float], bool]
ENGINES = {"postgres": 5432, "mysql": 3306, "redis": 6379}
_SCHEMES = {
    "postgres": "postgres",
    "postgresql": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
    "redis": "redis",
    "rediss": "redis",
}
_PORTS = {5432: "postgres", 3306: "mysql", 6379: "redis"}


def tcp_connect(host: str, port: int, timeout: float) -> bool:
    """True when ``host:port`` accepts a TCP connection within ``timeout`` seconds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _from_url(url: str, where: str) -> Endpoint | None:
    parts = urlsplit(url)
    engine = _SCHEMES.get(parts.scheme.split("+")[0].lower())
    if engine is None or not parts.hostname:
        return None
    try:
        port = parts.port or ENGINES[engine]
    except ValueError:
        return None
    return Endpoint(engine, parts.hostname, port, where)


def _secret(value: Any) -> str:
    getter = getattr(value, "get_secret_value", None)
    return str(getter() if callable(getter) else value)


def endpoints(config: Any) -> list[Endpoint]:
    """The database addresses named in the config, each once."""
    found: list[Endpoint] = []
    for m in getattr(config, "monitors", []):
        kind = m.probe_type()
        probe = m.probe_config()
        if kind in ENGINES and hasattr(probe, "url"):
            found.append(_from_url(_secret(probe.url), f"monitor {m.name}"))  # type: ignore[arg-type]
        elif kind == "tcp" and probe.port in _PORTS:
            found.append(Endpoint(_PORTS[probe.port], probe.host, probe.port, f"monitor {m.name}"))
    for a in getattr(config, "audits", []):
        if a.kind in ENGINES:
            found.append(_from_url(_secret(a.target), f"audit {a.name}"))  # type: ignore[arg-type]
    for b in getattr(config, "backups", []):
        url = getattr(b.source, "url", None)
        if url is not None:
            found.append(_from_url(_secret(url), f"backup {b.name}"))  # type: ignore[arg-type]
    seen: set[tuple[str, str, int]] = set()
    out = []
    for e in found:
        if e is not None and (e.engine, e.host, e.port) not in seen:
            seen.add((e.engine, e.host, e.port))
            out.append(e)
    return out


def _cert_days(config: Any, options: ScanOptions) -> float:
    if options.cert_days is not None:
        return options.cert_days
    days = [
        float(m.probe_config().warn_days)
        for m in getattr(config, "monitors", [])
        if m.probe_type() == "tls"
    ]
    return max(days, default=30.0)


def gather_runtime(
    config: Any, store: Any, options: ScanOptions, connect: Connect | None, notes: list[str]
) -> RuntimeFacts:
    backups = tuple(b.name for b in getattr(config, "backups", []) if b.enabled)
    drills: dict[str, float | None] = {}
    engine = getattr(store, "engine", None)
    if backups and engine is not None:
        from warden.backup.storage import recent_drills

        for name in backups:
            rows = recent_drills(engine, name, limit=200)
            passed = [float(r["started"]) for r in rows if r["status"] == "passed"]
            drills[name] = max(passed, default=None)
    elif backups:
        notes.append("no store given: restore drills of the configured backups not checked")
    connect = connect or tcp_connect
    answering = tuple(
        e
        for e in endpoints(config)
        if not loopback(e.host) and connect(e.host, e.port, options.connect_timeout)
    )
    return RuntimeFacts(
        backups,
        drills,
        engine is not None and bool(backups),
        answering,
        _cert_days(config, options),
    )
