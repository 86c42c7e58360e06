"""A small asyncio client for memcached's text protocol, shared by the probe and the collector.

It speaks the few commands Warden needs (``set``, ``get``, ``delete``, ``stats``) over a stream
the caller opened, plus the text protocol's authentication (memcached started with
``--auth-file``: a ``set`` whose data is ``user password`` before any other command). Every
error reply is raised as ``MemcacheError`` (``MemcacheAuthError`` for a refused login), a
reply that breaks the protocol as ``MemcacheProtocolError``.
"""

from __future__ import annotations

import asyncio
from urllib.parse import unquote, urlsplit

DEFAULT_PORT = 11211
MAX_VALUE = 1024 * 1024
"""The largest value read back (memcached's default item size limit)."""


class MemcacheError(Exception):
    """memcached answered ERROR, CLIENT_ERROR or SERVER_ERROR."""


class MemcacheAuthError(MemcacheError):
    """The login was refused, or a command was sent without one."""


class MemcacheProtocolError(MemcacheError):
    """The reply does not follow the text protocol."""


def address(url: str) -> tuple[str, int, str | None, str]:
    """``memcached://user:pw@host:11211`` -> (host, port, user or None, password or "")."""
    parts = urlsplit(url)
    user = unquote(parts.username or "") or None
    return parts.hostname or "", parts.port or DEFAULT_PORT, user, unquote(parts.password or "")


class Memcache:
    """One connection; not safe for concurrent use."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def _line(self) -> bytes:
        line = await self.reader.readline()
        if not line.endswith(b"\r\n"):
            raise MemcacheProtocolError("the server closed the connection mid-reply")
        line = line[:-2]
        if line == b"ERROR" or line.startswith((b"CLIENT_ERROR", b"SERVER_ERROR")):
            text = line.decode("utf-8", "replace")
            if "unauthenticated" in text or "authentication" in text:
                raise MemcacheAuthError(text)
            raise MemcacheError(text)
        return line

    async def _send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def version(self) -> str:
        """The server's version; raises MemcacheAuthError when it wants a login first."""
        await self._send(b"version\r\n")
        reply = await self._line()
        if not reply.startswith(b"VERSION "):
            raise MemcacheProtocolError(f"version answered {reply[:80]!r}")
        return reply[8:].decode("utf-8", "replace")

    async def login(self, user: str, password: str) -> None:
        """Log in; send it only to a server that asked (an open one would store the pair)."""
        token = f"{user} {password}".encode()
        await self._send(b"set warden 0 0 %d\r\n%s\r\n" % (len(token), token))
        reply = await self._line()
        if reply != b"STORED":
            raise MemcacheProtocolError(f"login answered {reply[:80]!r}")

    async def set(self, key: str, value: bytes, ttl: int) -> None:
        await self._send(b"set %s 0 %d %d\r\n%s\r\n" % (key.encode(), ttl, len(value), value))
        reply = await self._line()
        if reply != b"STORED":
            raise MemcacheError(f"set answered {reply[:80].decode('utf-8', 'replace')}")

    async def get(self, key: str) -> bytes | None:
        await self._send(b"get %s\r\n" % key.encode())
        header = await self._line()
        if header == b"END":
            return None
        fields = header.split()
        if len(fields) < 4 or fields[0] != b"VALUE" or not fields[3].isdigit():
            raise MemcacheProtocolError(f"get answered {header[:80]!r}")
        size = int(fields[3])
        if size > MAX_VALUE:
            raise MemcacheProtocolError(f"value of {size} bytes is too large")
        try:
            data = await self.reader.readexactly(size + 2)
        except asyncio.IncompleteReadError:
            raise MemcacheProtocolError("the server closed the connection mid-value") from None
        if await self._line() != b"END":
            raise MemcacheProtocolError("get reply has no END")
        return data[:-2]

    async def delete(self, key: str) -> bool:
        await self._send(b"delete %s\r\n" % key.encode())
        return await self._line() == b"DELETED"

    async def stats(self, group: str = "") -> dict[str, str]:
        """``stats`` (or ``stats <group>``) as a name -> text mapping."""
        await self._send(f"stats {group}".strip().encode() + b"\r\n")
        out: dict[str, str] = {}
        while (line := await self._line()) != b"END":
            fields = line.decode("utf-8", "replace").split(" ", 2)
            if len(fields) != 3 or fields[0] != "STAT":
                raise MemcacheProtocolError(f"stats answered {line[:80]!r}")
            out[fields[1]] = fields[2]
        return out


def number(stats: dict[str, str], name: str) -> float | None:
    """A stats value as a float, or None when absent or not a number."""
    try:
        return float(stats[name])
    except (KeyError, ValueError):
        return None
