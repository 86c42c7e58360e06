"""The two load models: open (an arrival rate) and closed (virtual users with think time).

Open: a ``RateSchedule`` gives each request an intended send time. Due requests queue in a
backlog and go out on any idle keep-alive connection (up to ``max_connections``, opened on
demand). Latency counts from the *intended* time when a request starts late, so a stalled
server cannot hide behind the generator waiting for it (coordinated omission). Requests more
than ``late_after`` behind are counted ``late``; those that wait longer than the timeout for a
connection are ``dropped``.

Closed: each virtual user is one connection that sends, waits for the response, thinks, and
sends again; latency counts from the actual send. The number of users follows the profile.
"""

from __future__ import annotations

import time
from collections import deque
from time import perf_counter_ns
from typing import Any

from warden.loadtest.errors import ErrorKind
from warden.loadtest.generator import NS, Generator
from warden.loadtest.protocol import NO_REQUEST, Connection
from warden.loadtest.stages import RateSchedule

TIMER_NS = 1_000_000
"""The event loop's timers have millisecond resolution: requests due within half of it are
sent at once rather than up to a millisecond late."""
WARM_CONNECTIONS = 8
"""Connections each open-model worker opens before the start, so the first requests do not
all wait for a handshake."""
MAX_CONNECTING = 32
"""Connections a worker opens at once when the backlog needs more."""


class OpenGenerator(Generator):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plan = self.plan
        share = plan.profile.scaled(1.0 / plan.workers)
        self.schedule = RateSchedule(share, (plan.index + 0.5) / plan.workers)
        self.backlog: deque[int] = deque()
        self.idle: list[Connection] = []
        self.issued = 0
        self.next_due: int | None = None

    def prepare(self) -> None:
        for _ in range(min(WARM_CONNECTIONS, self.plan.max_connections)):
            self.open_connection()

    def start(self) -> None:
        self.next_due = self._advance()
        self._tick()

    def _advance(self) -> int | None:
        t = self.schedule.next_time()
        return None if t is None else self.t0 + int(t * NS)

    def _tick(self) -> None:
        if not self.issuing:
            return
        now = time.perf_counter_ns()
        horizon = now + TIMER_NS // 2
        due = self.next_due
        limit = self.plan.max_requests
        while due is not None and due <= horizon and self.issued < limit:
            self.backlog.append(due)
            self.issued += 1
            self.intended += 1
            due = self._advance()
        self.next_due = due
        self._dispatch(now)
        if due is None or self.issued >= limit:
            self.stop()
            self.check_done()
            return
        delay = max((due - time.perf_counter_ns()) / NS, TIMER_NS / NS)
        self.loop.call_later(delay, self._tick)

    def _dispatch(self, now: int) -> None:
        backlog, idle = self.backlog, self.idle
        late_ns = self.late_ns
        while backlog and idle:
            conn = idle.pop()
            if conn.closed:
                continue
            intended = backlog.popleft()
            if now - intended > late_ns:
                self.late += 1
            self.send(conn, min(intended, now), now)
        wanted = min(len(backlog), MAX_CONNECTING) - self.connecting
        room = self.plan.max_connections - len(self.conns) - self.connecting
        for _ in range(min(wanted, room)):
            self.open_connection()

    def stop(self, abort: bool = False) -> None:
        super().stop(abort)
        if abort:
            self.backlog.clear()

    def sweep(self, now: int) -> None:
        backlog = self.backlog
        limit = now - self.timeout_ns
        while backlog and backlog[0] < limit:
            backlog.popleft()
            self.dropped += 1
        if backlog:
            self._dispatch(now)

    def pending(self) -> int:
        return len(self.backlog)

    def connected(self, conn: Connection) -> None:
        self._free(conn, time.perf_counter_ns())

    def connect_failed(self, kind: ErrorKind) -> None:
        if self.backlog:
            intended = self.backlog.popleft()
            index, _ = self.next_request()
            self.count_error(index, kind, intended)
            self.sent += 1
            self.sent_total += 1

    def after_response(self, conn: Connection, now: int) -> None:
        self._free(conn, now)

    def _free(self, conn: Connection, now: int) -> None:
        if conn.closed:
            self._dispatch(now)
            return
        backlog = self.backlog
        if backlog:
            intended = backlog.popleft()
            if now - intended > self.late_ns:
                self.late += 1
            self.send(conn, min(intended, now), now)
        else:
            self.idle.append(conn)

    def after_error(self, conn: Connection) -> None:
        pass

    def after_close(self, conn: Connection) -> None:
        if self.backlog:
            self._dispatch(time.perf_counter_ns())
        self.check_done()


class ClosedGenerator(Generator):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.think_min = self.plan.think_min
        self.think_max = self.plan.think_max
        self.active = 0  # users with a connection or opening one, not retiring

    def start(self) -> None:
        self._adjust(0)

    def _share(self, elapsed_ns: int) -> int:
        """This worker's users: its round-robin share of the profile's level."""
        total = round(self.plan.profile.target_at(elapsed_ns / NS))
        workers, index = self.plan.workers, self.plan.index
        return total // workers + (1 if index < total % workers else 0)

    def _adjust(self, now: int) -> None:
        if not self.issuing:
            return
        want = self._share(now - self.t0 if now else 0)
        while self.active < want:
            self.active += 1
            self.open_connection()
        if self.active > want:
            for conn in self.conns:
                if self.active <= want:
                    break
                if not conn.retiring:
                    conn.retiring = True
                    self.active -= 1
                    if conn.request == NO_REQUEST:
                        conn.close()

    def sweep(self, now: int) -> None:
        self._adjust(now)
        if not self.issuing:
            for conn in list(self.conns):
                if conn.request == NO_REQUEST:
                    conn.close()

    def vus(self) -> int:
        return self.active

    def connected(self, conn: Connection) -> None:
        self._next(conn)

    def connect_failed(self, kind: ErrorKind) -> None:
        self.active -= 1  # the sweep opens a replacement within 100 ms
        if self.issuing:
            index, _ = self.next_request()
            self.count_error(index, kind, time.perf_counter_ns())
            self.sent += 1
            self.sent_total += 1

    def _next(self, conn: Connection) -> None:
        if conn.closed or conn.retiring or not self.issuing:
            conn.close()
            return
        now = perf_counter_ns()
        if now >= self.end_ns:
            self.stop()
            conn.close()
            return
        self.send(conn, now, now)

    def after_response(self, conn: Connection, now: int) -> None:
        if self.think_max > 0:
            low = self.think_min
            delay = low if low >= self.think_max else self.random.uniform(low, self.think_max)
            self.loop.call_later(delay, self._next, conn)
        else:
            self._next(conn)

    def after_error(self, conn: Connection) -> None:
        conn.abort()

    def after_close(self, conn: Connection) -> None:
        if not conn.retiring:
            self.active -= 1
            conn.retiring = True
            if self.issuing:
                self.active += 1
                self.open_connection()
        self.check_done()
