"""The generator inside one worker process: connections, recording, the per-second report.

``Generator`` owns the keep-alive connections, picks the next request from the weighted cycle,
records each response's latency (whole microseconds, appended to a list and turned into an
HdrHistogram once a second) and classifies failures. Every second it emits a ``WorkerSecond``.
A sweep every 100 ms times out requests, asks the model to adjust, and notices the end.
The load models (``OpenGenerator``, ``ClosedGenerator`` in ``models.py``) decide *when* a
request is sent and from which instant its latency counts.
"""

from __future__ import annotations

import asyncio
import random
import ssl
import time
from abc import ABC, abstractmethod
from collections.abc import Callable

from warden.loadtest.checks import StatusCheck
from warden.loadtest.errors import ErrorKind, classify_exception, classify_status
from warden.loadtest.plan import WorkerPlan, WorkerSecond
from warden.loadtest.protocol import NO_REQUEST, BodyConnection, Connection
from warden.loadtest.stagebook import StageBook
from warden.loadtest.variables import VariableFeed

SWEEP_NS = 100_000_000
NS = 1_000_000_000


class Generator(ABC):
    """Sends the requests of one worker and reports what happened, second by second."""

    def __init__(
        self,
        plan: WorkerPlan,
        emit: Callable[[WorkerSecond], None],
        stop_requested: Callable[[], bool],
    ) -> None:
        self.plan = plan
        self.emit = emit
        self.stop_requested = stop_requested
        self.templates = plan.templates
        n = len(plan.templates)
        self.payloads = [t.static for t in plan.templates]
        self.order = plan.order
        self.order_len = len(plan.order)
        self.pos = (plan.index * 7919) % len(plan.order)
        self.checked = [bool(t.checks) for t in plan.templates]
        self.max_requests = plan.max_requests
        self.feed = (
            VariableFeed(plan.variables, plan.index, plan.workers) if plan.variables else None
        )
        self.random = random.Random(plan.seed + plan.index)
        self.conn_class = (
            BodyConnection if any(t.needs_body for t in plan.templates) else Connection
        )
        self.timeout_ns = int(plan.timeout * NS)
        self.late_ns = int(plan.late_after * NS)
        # results of the current second, per stage that scheduled them, per template
        self.book = StageBook(n, plan.profile.boundaries())
        self.intended = self.sent = self.late = self.dropped = 0
        # state of the run
        self.conns: set[Connection] = set()
        self.connecting = 0
        self.sent_total = 0
        self.issuing = True
        self.aborted = False
        self.t0 = 0
        self.end_ns = 0
        self.second = 0
        self.tasks: set[asyncio.Task[None]] = set()
        self.ssl: ssl.SSLContext | None = _ssl_context(plan) if plan.target.tls else None
        self._done: asyncio.Future[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        assert self._loop is not None
        return self._loop

    # the run

    async def run(self, t0_ns: int) -> None:
        """Run from ``t0_ns`` (a ``perf_counter_ns`` instant) to the end of the profile."""
        self._loop = asyncio.get_running_loop()
        self._done = self.loop.create_future()
        self.t0 = t0_ns
        self.book.start(t0_ns)
        self.end_ns = t0_ns + int(self.plan.profile.duration * NS)
        self.prepare()
        wait = (t0_ns - time.perf_counter_ns()) / NS
        if wait > 0:
            await asyncio.sleep(wait)
        self.loop.call_later(1.0 - (time.perf_counter_ns() - t0_ns) / NS, self._on_second)
        self.loop.call_later(SWEEP_NS / NS, self._on_sweep)
        self.start()
        await self._done
        now = time.perf_counter_ns()
        span = min(max((now - self.t0) / NS - self.second, 0.0), 1.0)
        self.emit(self._report(span))
        for conn in list(self.conns):
            conn.abort()
        for task in list(self.tasks):
            task.cancel()
        await asyncio.sleep(0)

    def _on_second(self) -> None:
        if self._done is None or self._done.done():
            return
        self.emit(self._report(1.0))
        self.second += 1
        delay = (self.t0 + (self.second + 1) * NS - time.perf_counter_ns()) / NS
        self.loop.call_later(max(delay, 0.0), self._on_second)

    def _on_sweep(self) -> None:
        if self._done is None or self._done.done():
            return
        now = time.perf_counter_ns()
        limit = now - self.timeout_ns
        for conn in list(self.conns):
            if conn.request != NO_REQUEST and conn.sent_ns < limit:
                self._fail(conn, ErrorKind.TIMEOUT)
                conn.abort()
        if self.issuing and (now >= self.end_ns or self.stop_requested()):
            self.stop(abort=now < self.end_ns)
        self.sweep(now)
        self.check_done()
        self.loop.call_later(SWEEP_NS / NS, self._on_sweep)

    def stop(self, abort: bool = False) -> None:
        """Stop issuing requests; those in flight finish or time out."""
        self.issuing = False
        self.aborted = self.aborted or abort

    def check_done(self) -> None:
        if (
            not self.issuing
            and self._done is not None
            and not self._done.done()
            and self.connecting == 0
            and not self.pending()
            and not any(c.request != NO_REQUEST for c in self.conns)
        ):
            self._done.set_result(None)

    # requests

    def next_request(self) -> tuple[int, bytes]:
        pos = self.pos
        index = self.order[pos]
        self.pos = pos + 1 if pos + 1 < self.order_len else 0
        payload = self.payloads[index]
        if payload is None:
            assert self.feed is not None
            payload = self.templates[index].render(self.feed.next())
        return index, payload

    def send(self, conn: Connection, origin_ns: int, now: int) -> None:
        """Write the next request on ``conn`` (the hot path: keep it lean)."""
        pos = self.pos
        index = self.order[pos]
        self.pos = pos + 1 if pos + 1 < self.order_len else 0
        payload = self.payloads[index]
        if payload is None:
            assert self.feed is not None
            payload = self.templates[index].render(self.feed.next())
        conn.send(payload, index, origin_ns, now)
        self.sent += 1
        self.sent_total += 1
        if self.sent_total >= self.max_requests:
            self.stop()

    # connection events (called by Connection)

    def on_connected(self, conn: Connection) -> None:
        self.conns.add(conn)

    def on_response(self, conn: Connection, status: int, now: int) -> None:
        index = conn.request
        if index == NO_REQUEST:
            return
        conn.request = NO_REQUEST
        origin = conn.origin_ns
        results = self.book.at(origin)
        results.latencies[index].append((now - origin) // 1000)
        results.rx[index] += conn.rx
        kind: ErrorKind | None
        if self.checked[index]:
            kind = self._check(index, status, conn.take_body())
        elif status < 400:
            kind = None
        else:
            kind = classify_status(status)
        if kind is None:
            results.ok[index] += 1
        else:
            errors = results.errors[index]
            errors[kind] = errors.get(kind, 0) + 1
        self.after_response(conn, now)

    def _check(self, index: int, status: int, body: bytes) -> ErrorKind | None:
        template = self.templates[index]
        for check in template.checks:
            if check.check(status, body) is not None:
                if isinstance(check, StatusCheck):
                    return classify_status(status) or ErrorKind.CHECK_FAILED
                return ErrorKind.CHECK_FAILED
        if template.status_checked:
            return None
        return classify_status(status)

    def on_failure(self, conn: Connection, kind: ErrorKind) -> None:
        self._fail(conn, kind)

    def on_lost(self, conn: Connection, exc: Exception | None) -> None:
        self.conns.discard(conn)
        if conn.request != NO_REQUEST:
            self._fail(conn, classify_exception(exc))
        self.after_close(conn)

    def _fail(self, conn: Connection, kind: ErrorKind) -> None:
        index = conn.request
        if index == NO_REQUEST:
            return
        conn.request = NO_REQUEST
        self.count_error(index, kind, conn.origin_ns)
        self.after_error(conn)

    def count_error(self, index: int, kind: ErrorKind, origin_ns: int) -> None:
        """Count a failed request for the stage that scheduled it (at ``origin_ns``)."""
        errors = self.book.at(origin_ns).errors[index]
        errors[kind] = errors.get(kind, 0) + 1

    # opening connections

    def open_connection(self) -> None:
        self.connecting += 1
        task = self.loop.create_task(self._connect())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _connect(self) -> None:
        target = self.plan.target
        try:
            _, conn = await asyncio.wait_for(
                self.loop.create_connection(
                    lambda: self.conn_class(self),
                    target.host,
                    target.port,
                    ssl=self.ssl,
                    server_hostname=target.host if self.ssl else None,
                ),
                self.plan.timeout,
            )
        except OSError as exc:  # refused, DNS, TLS and timeouts are all OSErrors
            self.connecting -= 1
            kind = classify_exception(exc)
            if self.ssl is not None and kind in (ErrorKind.RESET, ErrorKind.OTHER):
                kind = ErrorKind.TLS  # the peer hung up during the handshake
            self.connect_failed(kind)
            self.check_done()
            return
        self.connecting -= 1
        if conn.closed:
            self.check_done()
            return
        self.connected(conn)

    # the report

    def _report(self, span: float) -> WorkerSecond:
        stage, names, others = self.book.take()
        report = WorkerSecond(
            second=self.second,
            span=span,
            names=names,
            stage=stage,
            other_stages=others,
            intended=self.intended,
            sent=self.sent,
            late=self.late,
            dropped=self.dropped,
            connections=len(self.conns),
            in_flight=sum(1 for c in self.conns if c.request != NO_REQUEST),
            backlog=self.pending(),
            vus=self.vus(),
        )
        self.intended = self.sent = self.late = self.dropped = 0
        return report

    # what the load models decide

    def prepare(self) -> None:  # noqa: B027 - an optional hook
        """Before the start instant: e.g. open connections."""

    @abstractmethod
    def start(self) -> None:
        """Begin sending (called at the start instant)."""

    @abstractmethod
    def sweep(self, now: int) -> None:
        """Every 100 ms: adjust to the profile, expire what waited too long."""

    @abstractmethod
    def connected(self, conn: Connection) -> None:
        """A new connection is ready."""

    @abstractmethod
    def connect_failed(self, kind: ErrorKind) -> None:
        """Opening a connection failed."""

    @abstractmethod
    def after_response(self, conn: Connection, now: int) -> None:
        """A response was recorded; the connection is free."""

    @abstractmethod
    def after_error(self, conn: Connection) -> None:
        """The request on ``conn`` failed and was counted."""

    @abstractmethod
    def after_close(self, conn: Connection) -> None:
        """``conn`` is gone."""

    def pending(self) -> int:
        """Requests due but not yet sent."""
        return 0

    def vus(self) -> int:
        return 0


def _ssl_context(plan: WorkerPlan) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not plan.target.tls_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context
