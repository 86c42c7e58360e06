"""The wire between a load-test controller and its remote workers: frames, messages, the token.

A frame is a 4-byte big-endian length, one flags byte (1: the body is zlib-compressed) and a
JSON object with a ``type``. Nothing on the wire is pickled: a worker rebuilds its plan from
the scenario, and a second's report is plain numbers plus the HdrHistogram V2 encodings the
local processes already produce (so merging on the controller stays exact).

Both sides prove they hold the shared token without sending it: the worker's ``hello`` carries
a random nonce, the controller answers with its own nonce and an HMAC-SHA256 of both under the
token, and the worker answers with the HMAC of the two nonces in the other order. Each side
compares with ``hmac.compare_digest`` (constant time); a mismatch ends the connection. The
token is read from a file or ``$WARDEN_LOAD_TOKEN`` and is never logged or echoed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import socket
import struct
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from warden.errors import LoadTestError
from warden.loadtest.plan import NameSecond, StagePart, WorkerFinal, WorkerSecond

PROTOCOL = 1
TOKEN_ENV = "WARDEN_LOAD_TOKEN"  # noqa: S105 - the name of the variable, not a secret
MIN_TOKEN = 16
HEADER = struct.Struct(">IB")
MAX_FRAME = 256 * 2**20
COMPRESS_FROM = 4096
ZLIB = 1
Message = dict[str, Any]


def read_token(path: Path | None) -> bytes:
    """The shared token from ``path`` (surrounding whitespace dropped) or ``$WARDEN_LOAD_TOKEN``."""
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise LoadTestError(f"cannot read the token file {path}: {exc}") from None
        where = str(path)
    else:
        text = os.environ.get(TOKEN_ENV, "").strip()
        where = f"${TOKEN_ENV}"
        if not text:
            raise LoadTestError(f"give the shared token with --token-file or ${TOKEN_ENV}")
    if len(text) < MIN_TOKEN:
        raise LoadTestError(f"the token in {where} is shorter than {MIN_TOKEN} characters")
    return text.encode()


def mac(token: bytes, role: str, first: str, second: str) -> str:
    return hmac.new(token, f"{role}\0{first}\0{second}".encode(), hashlib.sha256).hexdigest()


def same(given: object, expected: str) -> bool:
    """Constant-time comparison of a received MAC (any JSON value) with the expected one."""
    return isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())


def nonce() -> str:
    return secrets.token_hex(16)


class FrameConn:
    """A TCP connection carrying frames; blocking ``recv`` with a timeout, non-blocking
    ``poll`` for the controller's and the worker's wait loops."""

    def __init__(self, sock: socket.socket, peer: str) -> None:
        self.sock = sock
        self.peer = peer
        self.buffer = bytearray()
        self.closed = False
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def fileno(self) -> int:
        return self.sock.fileno()

    def send(self, message: Message, timeout: float = 30.0) -> None:
        body = json.dumps(message, separators=(",", ":")).encode()
        flags = 0
        if len(body) >= COMPRESS_FROM:
            body, flags = zlib.compress(body, 1), ZLIB
        self.sock.settimeout(timeout)
        try:
            self.sock.sendall(HEADER.pack(len(body), flags) + body)
        except OSError as exc:
            raise ConnectionError(f"{self.peer}: cannot send: {exc}") from exc

    def _frame(self) -> Message | None:
        if len(self.buffer) < HEADER.size:
            return None
        size, flags = HEADER.unpack_from(self.buffer)
        if size > MAX_FRAME:
            raise ConnectionError(f"{self.peer}: frame of {size} bytes is too large")
        end = HEADER.size + size
        if len(self.buffer) < end:
            return None
        body = bytes(self.buffer[HEADER.size : end])
        del self.buffer[:end]
        try:
            if flags & ZLIB:
                body = zlib.decompress(body)
            message = json.loads(body)
        except (zlib.error, ValueError) as exc:
            raise ConnectionError(f"{self.peer}: unreadable frame: {exc}") from exc
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            raise ConnectionError(f"{self.peer}: a frame without a type")
        return message

    def recv(self, timeout: float) -> Message:
        """The next message; ConnectionError on EOF, TimeoutError when none comes in time."""
        deadline = time.monotonic() + timeout
        while True:
            found = self._frame()
            if found is not None:
                return found
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{self.peer}: no answer within {timeout:g}s")
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(1 << 16)
            except TimeoutError:
                continue
            except OSError as exc:
                raise ConnectionError(f"{self.peer}: {exc}") from exc
            if not data:
                raise ConnectionError(f"{self.peer}: connection closed")
            self.buffer += data

    def poll(self) -> list[Message]:
        """Every complete message received so far, without blocking; ConnectionError on EOF."""
        self.sock.settimeout(0.0)  # with a timeout, recv would wait for data first
        while True:
            try:
                data = self.sock.recv(1 << 16)
            except (BlockingIOError, InterruptedError):
                break
            except OSError as exc:
                raise ConnectionError(f"{self.peer}: {exc}") from exc
            if not data:
                self.closed = True
                break
            self.buffer += data
        out = []
        while (found := self._frame()) is not None:
            out.append(found)
        if self.closed and not out:
            raise ConnectionError(f"{self.peer}: connection closed")
        return out

    def close(self) -> None:
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            return


# the handshake


def controller_handshake(conn: FrameConn, token: bytes, timeout: float) -> Message:
    """Authenticate both ways from the controller's side; returns the worker's ``hello``."""
    hello = conn.recv(timeout)
    if hello.get("type") != "hello" or hello.get("protocol") != PROTOCOL:
        raise LoadTestError(f"worker {conn.peer} speaks another protocol ({hello.get('protocol')})")
    theirs = str(hello.get("nonce", ""))
    ours = nonce()
    conn.send({"type": "auth", "nonce": ours, "mac": mac(token, "controller", theirs, ours)})
    answer = conn.recv(timeout)
    if answer.get("type") != "welcome":
        raise LoadTestError(f"worker {conn.peer} refused this controller (wrong token?)")
    if not same(answer.get("mac"), mac(token, "worker", ours, theirs)):
        raise LoadTestError(f"worker {conn.peer} did not prove it holds the token")
    return hello


def worker_handshake(conn: FrameConn, token: bytes, processes: int, timeout: float) -> bool:
    """Authenticate both ways from the worker's side; False when the controller failed."""
    ours = nonce()
    conn.send({"type": "hello", "protocol": PROTOCOL, "nonce": ours, "processes": processes})
    auth = conn.recv(timeout)
    theirs = str(auth.get("nonce", ""))
    if auth.get("type") != "auth" or not same(
        auth.get("mac"), mac(token, "controller", ours, theirs)
    ):
        conn.send({"type": "denied"})
        return False
    conn.send({"type": "welcome", "mac": mac(token, "worker", theirs, ours)})
    return True


def measure_offset(
    conn: FrameConn, samples: int, timeout: float, clock: Callable[[], float] = time.time
) -> tuple[float, float]:
    """The worker's clock minus ours and the round trip, from the fastest of ``samples``
    exchanges (the worker's reading is taken to be half-way through the round trip)."""
    best: tuple[float, float] | None = None
    for _ in range(samples):
        t0 = clock()
        conn.send({"type": "clock"})
        answer = conn.recv(timeout)
        t1 = clock()
        theirs = answer.get("t")
        if answer.get("type") != "clock" or not isinstance(theirs, int | float):
            raise LoadTestError(f"worker {conn.peer} sent a bad clock reading")
        rtt = t1 - t0
        if best is None or rtt < best[1]:
            best = (float(theirs) - (t0 + t1) / 2, rtt)
    assert best is not None
    return best


# reports


def second_message(index: int, s: WorkerSecond) -> Message:
    return {
        "type": "second",
        "index": index,
        "second": s.second,
        "span": s.span,
        "stage": s.stage,
        "names": _names_out(s.names),
        "other": [[p.stage, _names_out(p.names)] for p in s.other_stages],
        "counters": [s.intended, s.sent, s.late, s.dropped],
        "gauges": [s.connections, s.in_flight, s.backlog, s.vus],
    }


def _names_out(names: tuple[NameSecond | None, ...]) -> list[Any]:
    return [
        None
        if n is None
        else [
            None if n.histogram is None else n.histogram.decode("ascii"),
            n.ok,
            n.errors,
            n.bytes_in,
        ]
        for n in names
    ]


def _names_in(raw: list[Any]) -> tuple[NameSecond | None, ...]:
    out: list[NameSecond | None] = []
    for item in raw:
        if item is None:
            out.append(None)
            continue
        histogram, ok, errors, bytes_in = item
        out.append(
            NameSecond(
                None if histogram is None else str(histogram).encode("ascii"),
                int(ok),
                {str(k): int(v) for k, v in dict(errors).items()},
                int(bytes_in),
            )
        )
    return tuple(out)


def read_second(m: Message) -> WorkerSecond:
    try:
        intended, sent, late, dropped = (int(v) for v in m["counters"])
        connections, in_flight, backlog, vus = (int(v) for v in m["gauges"])
        return WorkerSecond(
            second=int(m["second"]),
            span=float(m["span"]),
            names=_names_in(m["names"]),
            intended=intended,
            sent=sent,
            late=late,
            dropped=dropped,
            connections=connections,
            in_flight=in_flight,
            backlog=backlog,
            vus=vus,
            stage=int(m["stage"]),
            other_stages=tuple(StagePart(int(s), _names_in(n)) for s, n in m["other"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConnectionError(f"a malformed second report: {exc!r}") from exc


def final_message(final: WorkerFinal) -> Message:
    return {
        "type": "done",
        "index": final.index,
        "cpu": final.cpu_seconds,
        "notes": list(final.notes),
    }


def read_final(m: Message) -> WorkerFinal:
    try:
        return WorkerFinal(int(m["index"]), float(m["cpu"]), tuple(str(n) for n in m["notes"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ConnectionError(f"a malformed final report: {exc!r}") from exc
