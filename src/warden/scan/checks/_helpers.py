"""What several checks share: database types, well-known ports, image references, policies."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from warden.scan._model import Container, Resource, Unknown, as_list, blocks, known

AWS_DB = ("aws_db_instance", "aws_rds_cluster")
ALL_DB = (*AWS_DB, "google_sql_database_instance")
ADMIN_PORTS = {22: "SSH", 3389: "RDP", 5985: "WinRM", 5986: "WinRM", 23: "Telnet"}
DB_PORTS = {
    5432: "PostgreSQL",
    3306: "MySQL",
    1433: "SQL Server",
    1521: "Oracle",
    27017: "MongoDB",
    6379: "Redis",
    9200: "Elasticsearch",
    11211: "Memcached",
    5984: "CouchDB",
    9042: "Cassandra",
}
OPEN = ("0.0.0.0/0", "::/0", "*", "Internet", "any")
DB_IMAGES = re.compile(
    r"(^|/)(postgres|postgis|mysql|mariadb|mongo|redis|valkey|"
    r"elasticsearch|opensearch|memcached|cassandra|couchdb)[:@]?"
)
ENGINE_OF_IMAGE = {
    "postgres": "postgres",
    "postgis": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
    "redis": "redis",
    "valkey": "redis",
}


def prefix(r: Resource) -> str:
    """``module.db.`` of ``module.db.aws_db_instance.main``."""
    marker = f"{r.type}."
    at = r.name.rfind(marker)
    return r.name[:at] if at > 0 else ""


def refers(value: Any, address: str) -> bool:
    return any(address in str(v) for v in as_list(value) if isinstance(v, str))


def db_engine(r: Resource) -> str | None:
    text = str(r.get("engine") or r.get("database_version") or "").lower()
    for key, engine in (
        ("postgres", "postgres"),
        ("aurora-postgresql", "postgres"),
        ("mysql", "mysql"),
        ("mariadb", "mysql"),
        ("aurora", "mysql"),
    ):
        if key in text:
            return engine
    return None


def is_db_container(c: Container) -> bool:
    return c.source == "compose" and isinstance(c.image, str) and bool(DB_IMAGES.search(c.image))


def image_engine(image: str) -> str | None:
    m = DB_IMAGES.search(image)
    return ENGINE_OF_IMAGE.get(m.group(2)) if m else None


def published(c: Container) -> Iterator[tuple[int, str, int]]:
    """(container port, host ip, index) of each port a Compose service publishes."""
    for i, item in enumerate(as_list(c.spec.get("ports"))):
        if isinstance(item, Mapping):
            if item.get("published") is None:
                continue
            target = item.get("target")
            host = str(item.get("host_ip") or "0.0.0.0")  # noqa: S104 - Compose's default
        else:
            parts = str(item).split("/")[0].rsplit(":", 2)
            if len(parts) == 1:
                continue  # only a container port: not published on a fixed host port
            target = parts[-1]
            host = parts[0] if len(parts) == 3 else "0.0.0.0"  # noqa: S104
        try:
            yield int(str(target).split("-")[0]), host.strip("[]"), i
        except ValueError:
            continue


def ports(lo: Any, hi: Any, protocol: Any = "tcp") -> tuple[int, int] | None:
    if str(protocol) in ("-1", "all", "ALL"):
        return 0, 65535
    try:
        a, b = int(lo), int(hi if hi is not None else lo)
    except (TypeError, ValueError):
        return None
    return (0, 65535) if (a, b) == (0, 0) and str(protocol) == "-1" else (a, b)


def exposed(lo: int, hi: int) -> list[tuple[int, str, str]]:
    """(port, service, "admin" | "db") of the well-known ports inside ``lo..hi``."""
    out = [(p, n, "admin") for p, n in ADMIN_PORTS.items() if lo <= p <= hi]
    return out + [(p, n, "db") for p, n in DB_PORTS.items() if lo <= p <= hi]


def policy_statements(value: Any) -> list[Mapping[str, Any]]:
    """The statements of an IAM policy given as data (jsonencode) or JSON text."""
    if isinstance(value, str) and known(value):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return []
    if not isinstance(value, Mapping):
        return []
    return blocks(value.get("Statement"))


def image_tag(image: str) -> str | None:
    """The tag of an image reference ("" when untagged), None when pinned by digest or
    not a literal."""
    if isinstance(image, Unknown) or "${" in image or "$(" in image or "@sha256:" in image:
        return None
    name = image.rsplit("/", 1)[-1]
    return name.split(":", 1)[1] if ":" in name else ""
