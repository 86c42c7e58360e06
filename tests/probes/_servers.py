"""Real servers the probe and collector tests start themselves, each on a free loopback port.

memcached, Mosquitto, NATS and PgBouncer come from Debian, moto's server from PyPI; each runs
in the foreground as a child process with its files in a directory of its own, and is stopped
and removed on exit. A test that needs a program that is not installed is skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import free_port


def wait_port(port: int, proc: subprocess.Popen[bytes], what: str) -> None:
    """Wait until ``port`` accepts connections (fails the test if ``proc`` dies first)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{what} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"{what} did not open port {port}")


@contextlib.contextmanager
def running(
    argv: list[str], port: int, what: str, env: dict[str, str] | None = None
) -> Iterator[int]:
    """Run ``argv`` until the block ends; yields ``port`` once it listens."""
    if shutil.which(argv[0]) is None and not Path(argv[0]).exists():
        pytest.skip(f"{argv[0]} is not installed")
    proc = subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env or dict(os.environ)
    )
    try:
        wait_port(port, proc, what)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def home() -> Iterator[Path]:
    """A temporary directory others may read (servers drop root for their own user)."""
    path = Path(tempfile.mkdtemp(prefix="warden-test-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def readable(path: Path, text: str) -> Path:
    """Write ``text`` to ``path``, readable by every user."""
    path.write_text(text, encoding="utf-8")
    path.chmod(0o644)
    return path


@contextlib.contextmanager
def memcached(
    login: tuple[str, str] | None = None, megabytes: int = 8, tls: tuple[str, str] | None = None
) -> Iterator[int]:
    """memcached (text protocol), with ``--auth-file`` when ``login`` is given and TLS with
    ``tls`` as (certificate chain PEM, key PEM)."""
    port = free_port()
    argv = ["memcached", "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-m", str(megabytes)]
    if os.geteuid() == 0:
        argv += ["-u", "memcache" if _user_exists("memcache") else "nobody"]
    with home() as where:
        if login is not None:
            argv += ["-Y", str(readable(where / "auth", f"{login[0]}:{login[1]}\n"))]
        if tls is not None:
            chain, key = readable(where / "chain.pem", tls[0]), readable(where / "key.pem", tls[1])
            argv += ["-Z", "-o", f"ssl_chain_cert={chain},ssl_key={key}"]
        with running(argv, port, "memcached") as p:
            yield p


@contextlib.contextmanager
def mosquitto(login: tuple[str, str]) -> Iterator[int]:
    """Mosquitto that refuses anonymous clients and knows one user, who may use only the
    topics under ``warden/``."""
    if shutil.which("mosquitto_passwd") is None:
        pytest.skip("mosquitto is not installed (Debian package mosquitto)")
    port = free_port()
    with home() as where:
        passwd = where / "passwd"
        subprocess.run(
            ["mosquitto_passwd", "-b", "-c", str(passwd), *login], check=True, capture_output=True
        )
        passwd.chmod(0o644)
        acl = readable(where / "acl", f"user {login[0]}\ntopic readwrite warden/#\n")
        conf = readable(
            where / "mosquitto.conf",
            f"listener {port} 127.0.0.1\nallow_anonymous false\npassword_file {passwd}\n"
            f"acl_file {acl}\npersistence false\n",
        )
        with running(["mosquitto", "-c", str(conf)], port, "mosquitto") as p:
            yield p


@contextlib.contextmanager
def nats_server(login: tuple[str, str]) -> Iterator[int]:
    """A NATS server that wants a user and password."""
    port = free_port()
    argv = ["nats-server", "-a", "127.0.0.1", "-p", str(port), "--user", login[0]]
    with running([*argv, "--pass", login[1]], port, "nats-server") as p:
        yield p


@dataclass(frozen=True)
class Bouncer:
    port: int
    monitor: tuple[str, str]  # in stats_users
    app: tuple[str, str]  # may use database postgres, not the console

    def url(self, user: tuple[str, str], database: str = "pgbouncer") -> str:
        return f"postgresql://{user[0]}:{user[1]}@127.0.0.1:{self.port}/{database}"


PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


@contextlib.contextmanager
def pgbouncer(pool_size: int = 1) -> Iterator[Bouncer]:
    """PgBouncer before the local PostgreSQL's database ``postgres`` (as user postgres), in
    transaction mode, with plain-text logins; run as user postgres (it will not run as root)."""
    if not Path(PGBOUNCER).exists():
        pytest.skip("pgbouncer is not installed (Debian package pgbouncer)")
    port = free_port()
    bouncer = Bouncer(port, ("monitor", "mon-secret"), ("app", "app-secret"))
    with home() as where:
        users = readable(where / "users.txt", '"monitor" "mon-secret"\n"app" "app-secret"\n')
        ini = readable(
            where / "pgbouncer.ini",
            "[databases]\npostgres = host=127.0.0.1 port=5432 dbname=postgres user=postgres\n"
            f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
            f"auth_type = plain\nauth_file = {users}\nstats_users = monitor\n"
            f"pool_mode = transaction\ndefault_pool_size = {pool_size}\nmax_client_conn = 50\n"
            f"logfile = {where}/pgbouncer.log\n",
        )
        if os.geteuid() == 0:
            for path in (where, users, ini):
                shutil.chown(path, "postgres")
        argv = [PGBOUNCER, *(["-u", "postgres"] if os.geteuid() == 0 else []), str(ini)]
        with running(argv, port, "pgbouncer"):
            yield bouncer


@dataclass(frozen=True)
class Moto:
    endpoint: str
    key: tuple[str, str]  # may do anything
    reader: tuple[str, str]  # may only read objects and queue attributes

    def credentials(self, key: tuple[str, str] | None = None) -> dict[str, str]:
        key = key or self.key
        return {"access_key_id": key[0], "secret_access_key": key[1]}


@contextlib.contextmanager
def moto_server() -> Iterator[Moto]:
    """moto's server with IAM enforced: two users made first, then every request signed."""
    exe = Path(sys.executable).parent / "moto_server"
    if not exe.exists():
        pytest.skip("moto_server is not installed")
    port = free_port()
    env = {**os.environ, "AWS_EC2_METADATA_DISABLED": "true"}
    with running([str(exe), "-H", "127.0.0.1", "-p", str(port)], port, "moto", env) as p:
        endpoint = f"http://127.0.0.1:{p}"
        import boto3

        iam = boto3.client(
            "iam",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="setup",
            aws_secret_access_key="setup",
        )
        keys = []
        for user, actions in (("warden", ["*"]), ("reader", ["s3:GetObject", "sqs:GetQueueUrl"])):
            iam.create_user(UserName=user)
            policy = {"Effect": "Allow", "Action": actions, "Resource": "*"}
            iam.put_user_policy(
                UserName=user,
                PolicyName="probe",
                PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [policy]}),
            )
            made = iam.create_access_key(UserName=user)["AccessKey"]
            keys.append((made["AccessKeyId"], made["SecretAccessKey"]))
        iam.close()
        request = urllib.request.Request(  # noqa: S310 (moto on loopback)
            f"{endpoint}/moto-api/reset-auth",
            data=b"0",
            method="POST",
            headers={"Content-Type": "text/plain"},
        )
        with urllib.request.urlopen(request, timeout=10) as reply:  # noqa: S310 (loopback)
            reply.read()
        yield Moto(endpoint, keys[0], keys[1])


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@contextlib.asynccontextmanager
async def waiting_client(bouncer: Bouncer) -> AsyncIterator[None]:
    """One client holds the only server connection in a transaction and a second waits for
    it; yields once the console shows the waiting client, then lets both finish."""
    import psycopg

    holder = await psycopg.AsyncConnection.connect(bouncer.url(bouncer.app, "postgres"))
    waiter = await psycopg.AsyncConnection.connect(
        bouncer.url(bouncer.app, "postgres"), autocommit=True
    )
    console = await psycopg.AsyncConnection.connect(
        bouncer.url(bouncer.monitor), autocommit=True, cursor_factory=psycopg.AsyncClientCursor
    )
    try:
        await holder.execute("SELECT 1")  # opens a transaction: the server stays with it
        waiting = asyncio.create_task(waiter.execute("SELECT 2"))
        for _ in range(200):  # until PgBouncer queues the second client (bounded: ~10 s)
            cursor = await console.execute("SHOW POOLS")
            names = [d.name for d in cursor.description or []]
            pools = [dict(zip(names, row, strict=True)) for row in await cursor.fetchall()]
            if any(p["database"] == "postgres" and p["cl_waiting"] >= 1 for p in pools):
                break
            await asyncio.sleep(0.05)
        else:
            pytest.fail("no client came to wait in PgBouncer")
        yield
        await holder.rollback()
        await waiting
    finally:
        for conn in (holder, waiter, console):
            await conn.close()
