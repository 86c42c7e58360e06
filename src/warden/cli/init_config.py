"""``warden init``: write a starter warden.yaml from what listens on this host.

It knocks on the usual local ports (PostgreSQL, MySQL/MariaDB, Redis, RabbitMQ, PgBouncer,
memcached, MQTT, NATS, SMTP, Elasticsearch/OpenSearch, Vault, HTTP) on loopback only, asks
each what it is (an HTTP request, a protocol greeting), and writes monitors and collectors
for what answered, plus host metrics. Credentials are left as ``${VAR}`` placeholders so no
secret is written to the file.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from warden.cli._common import EXIT_INPUT, JsonOption, fail, stderr, write_json

HTTP_PORTS = (80, 443, 3000, 5000, 8000, 8080, 8443, 9000)
SERVICE_PORTS = {
    5432: "postgres", 3306: "mysql", 6379: "redis", 5672: "rabbitmq", 6432: "pgbouncer",
    11211: "memcached", 1883: "mqtt", 4222: "nats", 25: "smtp", 465: "smtp", 587: "smtp",
    9200: "elasticsearch", 8200: "vault",
}  # fmt: skip


@dataclass(frozen=True)
class Found:
    kind: str
    host: str
    port: int
    detail: str = ""


async def _open(
    host: str, port: int, timeout: float
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
    try:
        return await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (OSError, TimeoutError):
        return None


async def _probe_port(host: str, port: int, timeout: float) -> Found | None:
    conn = await _open(host, port, timeout)
    if conn is None:
        return None
    reader, writer = conn
    try:
        if SERVICE_PORTS.get(port) == "elasticsearch":
            return Found(await _search_flavour(reader, writer, host, timeout), host, port)
        if port in SERVICE_PORTS:
            return Found(SERVICE_PORTS[port], host, port)
        if port in (443, 8443):
            return Found("https", host, port)
        writer.write(f"HEAD / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), timeout)
        if line.startswith(b"HTTP/"):
            return Found("http", host, port, line.decode("latin-1").strip())
        return None
    except (OSError, TimeoutError):
        return None
    finally:
        writer.close()


async def _search_flavour(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, timeout: float
) -> str:
    """``opensearch`` when ``GET /`` names that distribution, else ``elasticsearch``."""
    writer.write(f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    reply = b""
    try:
        while len(reply) < 65536 and (chunk := await asyncio.wait_for(reader.read(65536), timeout)):
            reply += chunk
    except (OSError, TimeoutError):
        pass
    return "opensearch" if b'"opensearch"' in reply else "elasticsearch"


def _more(f: Found) -> tuple[list[str], list[str]]:
    """Monitor and collector settings (YAML lines) for the kinds found beyond the databases."""
    where = f"{f.host}:{f.port}"
    if f.kind == "pgbouncer":
        user = "${PGBOUNCER_USER:-pgbouncer}:${PGBOUNCER_PASSWORD:-}"
        settings = ["    pgbouncer:", f'      url: "postgresql://{user}@{where}/pgbouncer"']
        return settings, settings
    if f.kind == "memcached":
        settings = ["    memcached:", f'      url: "memcached://{where}"']
        return settings, settings
    if f.kind in ("mqtt", "nats"):
        return [f"    {f.kind}:", f'      url: "{f.kind}://{where}"'], []
    if f.kind == "smtp":
        tls = {25: "none", 465: "implicit"}.get(f.port, "starttls")
        lines = ["    smtp:", f"      host: {f.host}", f"      port: {f.port}", f"      tls: {tls}"]
        if tls != "none":  # on loopback the certificate names the mail host, not 127.0.0.1
            lines.append("      verify: false")
        return lines, []
    if f.kind in ("elasticsearch", "opensearch", "vault"):
        return [f"    {f.kind}:", f'      url: "http://{where}"'], []
    return [], []


async def discover(host: str = "127.0.0.1", timeout: float = 0.5) -> list[Found]:
    ports = [*SERVICE_PORTS, *HTTP_PORTS]
    found = await asyncio.gather(*(_probe_port(host, p, timeout) for p in ports))
    return [f for f in found if f is not None]


def render(found: list[Found]) -> str:
    """The YAML text of a starter config for ``found`` services."""
    lines = [
        "# warden.yaml — written by `warden init`. Check it with `warden validate`.",
        "# Secrets come from the environment: ${VAR} or ${VAR:-default}.",
        "store:",
        "  url: sqlite:///warden.db",
        "server:",
        "  listen: 127.0.0.1:8080",
        "",
        "monitors:",
    ]
    collectors = ["collectors:", "  - name: host", "    host: {}"]
    for f in found:
        name = f"{f.kind}-{f.port}"
        lines += [f"  - name: {name}", "    interval: 30s"]
        if f.kind in ("http", "https"):
            lines += [f"    {'http'}:", f"      url: {f.kind}://{f.host}:{f.port}/"]
        elif f.kind == "postgres":
            url = f"postgresql://${{PGUSER:-postgres}}:${{PGPASSWORD:-}}@{f.host}:{f.port}/postgres"
            lines += ["    postgres:", f'      url: "{url}"']
            collectors += [f"  - name: {name}", "    postgres:", f'      url: "{url}"']
        elif f.kind == "mysql":
            url = f"mysql://${{MYSQL_USER:-root}}:${{MYSQL_PASSWORD:-}}@{f.host}:{f.port}/"
            lines += ["    mysql:", f'      url: "{url}"']
            collectors += [f"  - name: {name}", "    mysql:", f'      url: "{url}"']
        elif f.kind == "redis":
            url = f"redis://:${{REDIS_PASSWORD:-}}@{f.host}:{f.port}/0"
            lines += ["    redis:", f'      url: "{url}"']
            collectors += [f"  - name: {name}", "    redis:", f'      url: "{url}"']
        elif f.kind == "rabbitmq":
            url = (
                f"amqp://${{RABBITMQ_USER:-guest}}:${{RABBITMQ_PASSWORD:-guest}}@{f.host}:{f.port}/"
            )
            lines += ["    rabbitmq:", f'      url: "{url}"']
        else:
            monitor, collector = _more(f)
            lines += monitor
            collectors += [f"  - name: {name}", *collector] if collector else []
    if not found:
        lines[-1] = "monitors: []"
    return "\n".join([*lines, "", *collectors, ""])


def init(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the config.")
    ] = Path("warden.yaml"),
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
    host: Annotated[str, typer.Option(help="Host to look at (loopback by default).")] = "127.0.0.1",
    json_out: JsonOption = False,
) -> None:
    """Write a starter config for what listens on this host (databases, caches, queues, HTTP)."""
    if output.exists() and not force:
        fail(f"{output} exists; use --force to overwrite it", EXIT_INPUT)
    found = asyncio.run(discover(host))
    output.write_text(render(found), encoding="utf-8")
    if json_out:
        write_json(
            "init",
            {
                "file": str(output),
                "found": [{"kind": f.kind, "host": f.host, "port": f.port} for f in found],
            },
        )
        return
    err = stderr()
    for f in found:
        err.print(f"found {f.kind} on {f.host}:{f.port}")
    err.print(
        f"wrote {output} ({len(found)} services + host metrics); check it with `warden validate`"
    )
