"""Redis: an RDB snapshot streamed over the replication protocol (what ``redis-cli --rdb`` does).

Warden speaks the few commands itself (``AUTH``, ``REPLCONF capa eof``, ``REPLCONF rdb-only``,
``SYNC``) so the snapshot streams straight into the pipeline, including the diskless
``$EOF:<mark>`` framing that ``redis-cli --rdb -`` leaves in its output. The server forks
to produce the snapshot; nothing is written to its disk when diskless sync is on. A restore
writes ``dump.rdb`` into a directory; a drill starts a private ``redis-server`` on it.
"""

from __future__ import annotations

import secrets
import shlex
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import IO, Literal
from urllib.parse import unquote, urlsplit

import redis as redis_py
from pydantic import Field, field_validator

from warden.backup.sources._base import (
    ObjectOpener,
    Readable,
    Scratch,
    Source,
    SourceConfig,
    TargetNotEmptyError,
    register,
)
from warden.backup.sources._process import find_tool, tool_version
from warden.config._types import SecretUrl
from warden.errors import BackupError

OBJECT = "dump.rdb"
_MARK_LEN = 40


class RedisSourceConfig(SourceConfig):
    type: Literal["redis"] = "redis"
    url: SecretUrl = Field(description="redis://[:password@]host:6379 or rediss:// for TLS")
    timeout: float = Field(600.0, gt=0, description="Seconds to wait for the snapshot to start.")

    @field_validator("url")
    @classmethod
    def _url(cls, v: SecretUrl) -> SecretUrl:
        parts = urlsplit(v.get_secret_value())
        scheme = parts.scheme
        try:
            parts.port  # noqa: B018 - raises ValueError for a bad port
        except ValueError as exc:
            raise ValueError(f"bad port in the URL: {exc}") from None
        if scheme not in {"redis", "rediss"}:
            raise ValueError(f"expected a redis:// URL, got {scheme or 'no'} scheme")
        return v


def _command(*args: str | bytes) -> bytes:
    parts = [a.encode() if isinstance(a, str) else a for a in args]
    return b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)


class _RdbStream:
    """A readable stream of the RDB payload of one SYNC, framing and marks removed."""

    def __init__(self, sock: socket.socket, timeout: float) -> None:
        self.sock = sock
        self.file = sock.makefile("rb")
        self.remaining: int | None = None
        self.mark: bytes | None = None
        self.tail = b""
        self.done = False
        sock.settimeout(timeout)
        header = self._header()
        if header.startswith(b"EOF:"):
            self.mark = header[4:]
            if len(self.mark) != _MARK_LEN:
                raise BackupError("Redis sent a malformed EOF mark")
        else:
            self.remaining = int(header)
        sock.settimeout(60)

    def _header(self) -> bytes:
        while True:
            line = self.file.readline()
            if not line:
                raise BackupError("Redis closed the connection before sending the snapshot")
            line = line.rstrip(b"\r\n")
            if not line:
                continue  # keep-alive newlines while the server forks and saves
            if line.startswith(b"-"):
                raise BackupError(f"Redis refused SYNC: {line[1:].decode(errors='replace')}")
            if line.startswith(b"+"):
                continue
            if line.startswith(b"$"):
                return line[1:]
            raise BackupError("Redis sent an unexpected reply to SYNC")

    def read(self, size: int = -1) -> bytes:
        if self.done:
            return b""
        want = size if size > 0 else 1 << 20
        if self.remaining is not None:
            data = self.file.read(min(want, self.remaining))
            if not data:
                raise BackupError("the Redis snapshot transfer ended early")
            self.remaining -= len(data)
            self.done = self.remaining == 0
            return data
        assert self.mark is not None
        while True:
            data = self.file.read1(want)
            if not data:
                raise BackupError("the Redis snapshot transfer ended before its EOF mark")
            buf = self.tail + data
            if buf.endswith(self.mark):
                self.done = True
                return buf[:-_MARK_LEN]
            self.tail = buf[-_MARK_LEN:]
            if len(buf) > _MARK_LEN:
                return buf[:-_MARK_LEN]

    def close(self) -> None:
        self.file.close()
        self.sock.close()


class _Endpoint:
    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"redis", "rediss"}:
            raise BackupError(f"expected a redis:// URL, got {parts.scheme or 'no'} scheme")
        self.url = url
        self.tls = parts.scheme == "rediss"
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 6379
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password is not None else None

    def connect(self, timeout: float) -> socket.socket:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=timeout)
            if self.tls:
                return ssl.create_default_context().wrap_socket(sock, server_hostname=self.host)
        except OSError as exc:
            raise BackupError(f"cannot connect to redis://{self.host}:{self.port}: {exc}") from exc
        return sock


@register
class RedisSource(Source[RedisSourceConfig]):
    type = "redis"
    config_model = RedisSourceConfig

    def __init__(self, config: RedisSourceConfig) -> None:
        super().__init__(config)
        self.endpoint = _Endpoint(config.url.get_secret_value())

    def describe(self) -> str:
        return self.config.url.display()

    def objects(self) -> list[str]:
        return [OBJECT]

    @contextmanager
    def dump(self, name: str, cancel: threading.Event | None = None) -> Iterator[Readable]:
        ep = self.endpoint
        sock = ep.connect(30)
        try:
            reader = sock.makefile("rb")
            if ep.password is not None:
                auth = (ep.username, ep.password) if ep.username else (ep.password,)
                _expect_ok(sock, reader, _command("AUTH", *auth), "AUTH")
            _expect_ok(sock, reader, _command("REPLCONF", "capa", "eof"), "REPLCONF")
            sock.sendall(_command("REPLCONF", "rdb-only", "1"))
            reader.readline()  # older servers answer -ERR: the stream is cut after the RDB anyway
            reader.close()
            sock.sendall(_command("SYNC"))
            stream = _RdbStream(sock, self.config.timeout)
        except OSError as exc:
            sock.close()
            raise BackupError(f"Redis snapshot from {self.describe()} failed: {exc}") from exc
        except BaseException:
            sock.close()
            raise
        with closing(stream):
            try:
                yield stream
            except OSError as exc:
                raise BackupError(f"Redis snapshot from {self.describe()} failed: {exc}") from exc

    def tool_versions(self) -> dict[str, str]:
        try:
            info = self._client().info("server")
            return {"server": f"Redis {info.get('redis_version', '?')}", "transfer": "SYNC"}
        except BackupError:
            return {"server": "unreachable", "transfer": "SYNC"}

    def _client(self, url: str | None = None) -> redis_py.Redis:
        try:
            client = redis_py.Redis.from_url(url or self.endpoint.url, socket_timeout=30)
            client.ping()
        except redis_py.RedisError as exc:
            raise BackupError(f"cannot reach Redis: {exc}") from exc
        return client

    def restore(
        self, open_object: ObjectOpener, names: Sequence[str], target: str, force: bool
    ) -> str:
        dest = Path(target)
        if dest.exists() and not dest.is_dir():
            raise BackupError(f"{dest} is not a directory (Redis restores write dump.rdb there)")
        rdb = dest / OBJECT
        if rdb.exists() and not force:
            raise TargetNotEmptyError(f"{rdb} exists; use --force to replace it")
        dest.mkdir(parents=True, exist_ok=True)
        tmp = dest / f".{OBJECT}.{secrets.token_hex(4)}.tmp"
        try:
            with tmp.open("wb") as out, open_object(OBJECT) as stream:
                shutil.copyfileobj(stream, out, 1 << 20)
            tmp.replace(rdb)
        finally:
            tmp.unlink(missing_ok=True)
        return f"{rdb} (start redis-server with --dir {dest} --dbfilename {OBJECT})"

    def scratch(self, spec: str | None, names: Sequence[str], label: str) -> Scratch:
        return _RedisScratch(spec, label)

    def query_source(self, query: str, database: str | None) -> str:
        return run_command(self._client(), query)


def _expect_ok(sock: socket.socket, reader: IO[bytes], command: bytes, what: str) -> None:
    sock.sendall(command)
    line = reader.readline()
    if not line.startswith(b"+"):
        text = line.decode(errors="replace").strip().lstrip("-")
        raise BackupError(f"Redis {what} failed: {text or 'connection closed'}")


def run_command(client: redis_py.Redis, query: str) -> str:
    try:
        result = client.execute_command(*shlex.split(query))  # type: ignore[no-untyped-call]
    except (redis_py.RedisError, ValueError) as exc:
        raise BackupError(f"Redis command {query!r} failed: {exc}") from exc
    return _text(result)


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    if isinstance(value, list | tuple):
        return "\n".join(_text(v) for v in value)
    return "NULL" if value is None else str(value)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class _RedisScratch(Scratch):
    """A temporary directory; ``ready()`` starts a private redis-server that loads its RDB."""

    def __init__(self, parent: str | None, label: str) -> None:
        if parent:
            Path(parent).mkdir(parents=True, exist_ok=True)
        self.dir = Path(tempfile.mkdtemp(prefix=f"warden-drill-{label}-", dir=parent))
        self.target = str(self.dir)
        self.proc: subprocess.Popen[bytes] | None = None
        self.client: redis_py.Redis | None = None

    def ready(self) -> None:
        self.proc, self.client = start_redis(self.dir)

    def query(self, query: str, database: str | None) -> str:
        if self.client is None:
            raise BackupError("the scratch Redis is not running")
        return run_command(self.client, query)

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def start_redis(
    directory: Path, timeout: float = 120.0
) -> tuple[subprocess.Popen[bytes], redis_py.Redis]:
    """Start ``redis-server`` on 127.0.0.1 (a free port) loading ``directory/dump.rdb``."""
    server = find_tool("redis-server")
    port = _free_port()
    argv = [server, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(directory)]
    argv += ["--dbfilename", OBJECT, "--save", "", "--appendonly", "no", "--protected-mode", "yes"]
    log = directory / "redis.log"
    proc = subprocess.Popen([*argv, "--logfile", str(log)], stdin=subprocess.DEVNULL)
    client = redis_py.Redis(host="127.0.0.1", port=port, socket_timeout=30)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            text = log.read_text(errors="replace")[-500:] if log.exists() else ""
            raise BackupError(f"redis-server {tool_version(server)} failed to start: {text}")
        try:
            if client.info("persistence").get("loading") == 0:
                return proc, client
        except redis_py.RedisError:
            pass
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    raise BackupError(f"redis-server did not load the snapshot within {timeout:g}s")
