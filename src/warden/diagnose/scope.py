"""Which stored series and markers belong to a monitor's target, and how much they count.

Collectors do not say which monitor they serve, but a service collector's URL names a server.
When it is the monitor's own server (same host and port, and for a per-database series the
same database), its series are the target's and count fully. When the monitor checks a
server of the same kind elsewhere (a PostgreSQL monitor, a PostgreSQL collector on another
server), they belong to someone else and count half. Otherwise (an HTTP monitor and the
databases behind it) they are possible backends and count fully. Host series are host-wide;
their ``host`` label is named when it is the target's host.

A deploy marker counts fully for the monitor's own service (its ``service`` label, else its
name), half for another service when the monitor names its own, and 0.8 when nothing tells.

Only host, port and database name are read from URLs: no credential leaves this module.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from warden.config._types import SecretUrl

DEFAULT_PORTS = {
    "postgresql": 5432, "postgres": 5432, "mysql": 3306, "mariadb": 3306, "redis": 6379,
    "rediss": 6379, "amqp": 5672, "amqps": 5671, "http": 80, "https": 443, "memcached": 11211,
}  # fmt: skip
DATABASES = ("postgresql", "postgres", "mysql", "mariadb")
LOOPBACK = ("localhost", "127.0.0.1", "::1", "")
# the series prefix of the servers a probe type checks
SERIES_OF = {"postgres": "postgres_", "mysql": "mysql_", "redis": "redis_", "rabbitmq": "rabbitmq_"}


def endpoint(text: str) -> tuple[str, str]:
    """(``host:port``, database) of a URL or ``HOST[:PORT]``; loopback names become 127.0.0.1
    and a missing port the scheme's default. ('', '') when there is no host."""
    try:
        parts = urlsplit(text if "://" in text else f"tcp://{text}")
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return "", ""
    host = (parts.hostname or "").lower()
    if not host:
        return "", ""
    if host in LOOPBACK:
        host = "127.0.0.1"
    database = parts.path.strip("/") if parts.scheme in DATABASES else ""
    return (f"{host}:{port}" if port else host), database.split("/")[0]


def _collector_url(config: Any) -> str:
    for name in ("url", "management_url"):
        value = getattr(config, name, None)
        if isinstance(value, SecretUrl):
            return value.display()
    return ""


@dataclass(frozen=True)
class Scope:
    kind: str  # the monitor's probe type
    endpoint: str  # host:port of its target ('' when it has none)
    database: str
    services: tuple[str, ...]  # the names its deploy markers may carry
    labelled: bool  # the monitor names its service in its labels
    collectors: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def host(self) -> str:
        return self.endpoint.rsplit(":", 1)[0] if ":" in self.endpoint else self.endpoint

    def weigh(self, series: str, labels: Mapping[str, str]) -> tuple[float, str]:
        """How much a change of this series counts for the monitor, and where it is."""
        host = labels.get("host")
        if series.startswith("host_"):
            return 1.0, ("the target's host" if host and self._is_host(host) else
                         f"host {host}" if host else "host-wide")  # fmt: skip
        name = labels.get("collector", "")
        where = self.collectors.get(name)
        if where is None:
            return 1.0, f"collector {name}" if name else ""
        server, database = where
        db = labels.get("database") or database
        if self.endpoint and server == self.endpoint:
            if self.database and db and db != self.database:
                return 0.5, f"another database on the target's server ({db})"
            return 1.0, "the target's server"
        if series.startswith(SERIES_OF.get(self.kind, "-")):
            return 0.5, f"another server ({name})"
        return 1.0, f"a possible backend ({name})"

    def _is_host(self, name: str) -> bool:
        """Whether a host collector's ``host`` label names the target's machine."""
        name = name.lower()
        if self.host == "127.0.0.1":
            return name == socket.gethostname().lower()
        try:
            ipaddress.ip_address(self.host)
            return name == self.host
        except ValueError:  # a name: the short names agree (db1 and db1.internal)
            return name.split(".")[0] == self.host.split(".")[0]

    def marker_weight(self, service: str, kind: str) -> tuple[float, str]:
        if kind == "config_reload":
            return 1.0, ""
        if service in self.services:
            return 1.0, "this monitor's service"
        if self.labelled:
            return 0.5, "another service"
        return 0.8, ""


def scope_of(config: Any, monitor: Any) -> Scope:
    """The scope of ``monitor`` (a MonitorBase) in ``config`` (a WardenConfig)."""
    cfg = monitor.probe_config()
    target = cfg.target().split(" ")[0] if cfg is not None else ""
    server, database = endpoint(target) if "://" in target else ("", "")
    service = monitor.labels.get("service")
    collectors = {}
    for c in config.collectors:
        url = _collector_url(c.collector_config())
        if url:
            collectors[c.display_name()] = endpoint(url)
    names = tuple(n for n in (service, monitor.name) if n)
    return Scope(monitor.probe_type(), server, database, names, bool(service), collectors)
