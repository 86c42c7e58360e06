"""Real servers the audit tests start on loopback: nginx, redis-server, a PostgreSQL cluster
with pg_stat_statements and a MariaDB with performance_schema (both private, in temp dirs)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen[bytes], what: str, log: Path | None) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            text = log.read_text(errors="replace") if log and log.exists() else ""
            raise RuntimeError(f"{what} exited with {proc.returncode}: {text[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not open port {port}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _as_user(user: str) -> dict[str, object]:
    """Popen arguments running a server as ``user`` when we are root (they refuse root)."""
    return {"user": user, "group": user, "extra_groups": []} if os.geteuid() == 0 else {}


@contextlib.contextmanager
def nginx(directory: Path, server_blocks: str) -> Iterator[None]:
    """nginx in the foreground with ``server_blocks`` (ports already chosen by the caller)."""
    directory.mkdir(parents=True, exist_ok=True)
    conf = directory / "nginx.conf"
    log = directory / "error.log"
    conf.write_text(
        f"""
daemon off; master_process off; worker_processes 1; pid {directory}/nginx.pid;
error_log {log} warn;
events {{ worker_connections 128; }}
http {{
  access_log off;
  client_body_temp_path {directory}/body; proxy_temp_path {directory}/proxy;
  fastcgi_temp_path {directory}/fastcgi; uwsgi_temp_path {directory}/uwsgi;
  scgi_temp_path {directory}/scgi;
  types {{ text/html html; text/css css; application/javascript js; image/png png;
          image/webp webp; image/jpeg jpg; }}
  default_type application/octet-stream;
{server_blocks}
}}
"""
    )
    exe = shutil.which("nginx") or "/usr/sbin/nginx"
    proc = subprocess.Popen([exe, "-c", str(conf), "-p", str(directory), "-e", str(log)])
    try:
        ports = [int(p) for p in _listen_ports(server_blocks)]
        for port in ports:
            wait_port(port, proc, "nginx", log)
        yield
    finally:
        stop(proc)


def _listen_ports(blocks: str) -> list[str]:
    import re

    return re.findall(r"listen 127\.0\.0\.1:(\d+)", blocks)


@contextlib.contextmanager
def redis_server(directory: Path, *args: str) -> Iterator[str]:
    """A private redis-server on a free port; yields its URL."""
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = directory / "redis.log"
    argv = [shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(port)]
    argv += ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"]
    argv += ["--dir", str(directory), "--logfile", str(log), *args]
    proc = subprocess.Popen(argv)
    try:
        wait_port(port, proc, "redis-server", log)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(proc)


def _pg_bindir() -> Path:
    versions = sorted(PG_BIN.glob("*/bin/initdb"))
    if not versions:
        raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql")
    return versions[-1].parent


@contextlib.contextmanager
def _owned_tmpdir(prefix: str, user: str) -> Iterator[Path]:
    """A temp dir directly under /tmp (so ``user`` can reach it), removed afterwards."""
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        if os.geteuid() == 0:
            shutil.chown(directory, user, user)
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def private_postgres() -> Iterator[str]:
    """A throwaway PostgreSQL cluster with pg_stat_statements preloaded; yields its admin URL."""
    with _owned_tmpdir("warden-audit-pg-", "postgres") as directory:
        yield from _run_postgres(directory)


def _run_postgres(directory: Path) -> Iterator[str]:
    bindir = _pg_bindir()
    data = directory / "data"
    subprocess.run(
        [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"],
        check=True, capture_output=True, **_as_user("postgres"),
    )  # fmt: skip
    port = free_port()
    log = directory / "postgres.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(bindir / "postgres"), "-D", str(data), "-p", str(port),
             "-k", str(directory), "-c", "listen_addresses=127.0.0.1",
             "-c", "shared_preload_libraries=pg_stat_statements"],
            stdout=out, stderr=subprocess.STDOUT, **_as_user("postgres"),
        )  # fmt: skip
    try:
        wait_port(port, proc, "postgres", log)
        _wait_ready(f"postgresql://postgres@127.0.0.1:{port}/postgres")
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        stop(proc)


def _wait_ready(url: str) -> None:
    import psycopg

    deadline = time.monotonic() + 20
    while True:
        try:
            psycopg.connect(url, connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@contextlib.contextmanager
def private_mariadb() -> Iterator[str]:
    """A throwaway MariaDB with performance_schema on; yields ``mysql://root@127.0.0.1:PORT``."""
    with _owned_tmpdir("warden-audit-my-", "mysql") as directory:
        yield from _run_mariadb(directory)


def _run_mariadb(directory: Path) -> Iterator[str]:
    data = directory / "data"
    subprocess.run(
        [shutil.which("mariadb-install-db") or "mariadb-install-db", "--no-defaults",
         f"--datadir={data}", "--auth-root-authentication-method=normal",
         "--skip-test-db", "--skip-name-resolve"],
        check=True, capture_output=True, **_as_user("mysql"),
    )  # fmt: skip
    port = free_port()
    log = directory / "mariadb.log"
    proc = subprocess.Popen(
        ["/usr/sbin/mariadbd", "--no-defaults", f"--datadir={data}",
         f"--port={port}", "--bind-address=127.0.0.1", f"--socket={directory}/mysql.sock",
         f"--pid-file={directory}/mariadb.pid", "--performance-schema=ON", "--skip-log-bin",
         "--innodb-buffer-pool-size=32M", f"--log-error={log}"],
        **_as_user("mysql"),
    )  # fmt: skip
    try:
        wait_port(port, proc, "mariadbd", log)
        yield f"mysql://root@127.0.0.1:{port}"
    finally:
        stop(proc)
