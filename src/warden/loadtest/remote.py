"""The controller's side of distributed load generation: one ``RemoteFleet`` per remote worker.

``connect_workers`` opens a connection to every ``warden load worker``, authenticates both ways
(wire.py) and measures each worker's clock against this machine's (the fastest of a few round
trips). ``distribute`` compiles the plan for all their processes together, so one global
index space splits the rate (open model) or the users (closed model) and interleaves the
variables exactly as local processes would, and sends each worker the scenario, the variable
data and its indices. The runner then treats a remote worker like the local processes: the
start instant goes out in the worker's own clock (corrected for skew), and its processes'
seconds come back as events. A worker whose connection breaks, or that stays silent for
``SILENT_LIMIT`` seconds, is *lost*: its processes' seconds received so far count, and the
run is marked partial.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from warden.errors import LoadTestError
from warden.loadtest.compile import RunPlan, compile_plan
from warden.loadtest.fleet import Event
from warden.loadtest.scenario import Scenario
from warden.loadtest.variables import VariableData
from warden.loadtest.wire import (
    FrameConn,
    controller_handshake,
    measure_offset,
    read_final,
    read_second,
)

CONNECT_TIMEOUT = 10.0
ANSWER_TIMEOUT = 30.0
CLOCK_SAMPLES = 5
SILENT_LIMIT = 10.0
"""A worker sends every second (or an ``alive``); this long without a word and it is lost."""


def split_address(address: str, default_port: int = 7700) -> tuple[str, int]:
    """``host:port``, ``[v6]:port`` or ``host`` (the default port) as (host, port)."""
    text = address.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.removeprefix(":")
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
    else:
        host, port = text, ""
    if not host:
        raise LoadTestError(f"worker address {address!r} has no host")
    try:
        number = int(port) if port else default_port
    except ValueError:
        raise LoadTestError(f"worker address {address!r} has a bad port") from None
    if not 0 <= number < 65536:  # 0: any free port (to listen on)
        raise LoadTestError(f"worker address {address!r} has a bad port")
    return host, number


def split_workers(
    workers: str | None, processes: int | None
) -> tuple[list[str] | None, int | None]:
    """``--workers a:1,b:2`` as a list of addresses; a bare number is the older spelling of
    ``--processes``. Returns (addresses, processes)."""
    if workers is None:
        return None, processes
    text = workers.strip()
    if text.isdigit():
        return None, processes or int(text)
    return [a.strip() for a in text.split(",") if a.strip()], processes


class RemoteFleet:
    """The processes of one remote worker, seen through its connection."""

    def __init__(self, address: str, conn: FrameConn, processes: int, offset: float, rtt: float):
        self.name = address
        self.conn = conn
        self.processes = processes
        self.offset = offset
        self.rtt = rtt
        self.indices: tuple[int, ...] = ()
        self.live: set[int] = set()
        self.heard = time.monotonic()
        self.relay_cpu = 0.0
        self.notes: list[str] = []

    @classmethod
    def connect(cls, address: str, token: bytes, processes: int | None = None) -> RemoteFleet:
        host, port = split_address(address)
        try:
            sock = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT)
        except OSError as exc:
            raise LoadTestError(f"cannot reach worker {address}: {exc.strerror or exc}") from None
        conn = FrameConn(sock, address)
        try:
            hello = controller_handshake(conn, token, ANSWER_TIMEOUT)
            offset, rtt = measure_offset(conn, CLOCK_SAMPLES, ANSWER_TIMEOUT)
        except (ConnectionError, TimeoutError) as exc:
            conn.close()
            raise LoadTestError(f"worker {address}: {exc}") from None
        except LoadTestError:
            conn.close()
            raise
        count = processes or int(hello.get("processes") or 1)
        return cls(address, conn, max(1, count), offset, rtt)

    def assign(self, indices: Sequence[int], total: int, doc: dict[str, Any], v: Any) -> None:
        """Send the plan: the scenario, the variable data and this worker's indices."""
        self.indices = tuple(indices)
        self.live = set(self.indices)
        variables = None
        if isinstance(v, VariableData):
            variables = {
                "columns": list(v.columns),
                "rows": [list(r) for r in v.rows],
                "sequences": [[s.name, s.start, s.step] for s in v.sequences],
            }
        message = {
            "type": "plan",
            "scenario": doc,
            "variables": variables,
            "indices": list(self.indices),
            "total": total,
        }
        self._send(message, fatal=True)

    def _send(self, message: dict[str, Any], fatal: bool = False) -> bool:
        try:
            self.conn.send(message)
        except ConnectionError as exc:
            if fatal:
                raise LoadTestError(str(exc)) from None
            return False
        return True

    def waitables(self) -> list[Any]:
        return [self.conn] if self.live and not self.conn.closed else []

    def wait_ready(self, deadline: float) -> None:
        while True:
            try:
                answer = self.conn.recv(max(deadline - time.monotonic(), 0.01))
            except (ConnectionError, TimeoutError) as exc:
                raise LoadTestError(f"worker {self.name} did not get ready: {exc}") from None
            if answer["type"] == "ready":
                self.heard = time.monotonic()
                return
            if answer["type"] == "fatal":
                raise LoadTestError(f"worker {self.name} cannot run: {answer.get('error')}")

    def start(self, wall_time: float) -> None:
        """Start at ``wall_time`` of this machine: the same instant in the worker's clock."""
        self._send({"type": "start", "at": wall_time + self.offset}, fatal=True)
        self.heard = time.monotonic()

    def read(self, waitable: Any) -> list[Event]:
        try:
            messages = self.conn.poll()
        except ConnectionError as exc:
            return self._lose(str(exc).removeprefix(f"{self.name}: "))
        self.heard = time.monotonic()
        events: list[Event] = []
        try:
            for m in messages:
                events += self._event(m)
        except (ConnectionError, KeyError, TypeError, ValueError) as exc:
            return events + self._lose(f"a bad message ({exc})")
        return events

    def _event(self, m: dict[str, Any]) -> list[Event]:
        kind = m["type"]
        if kind == "second":
            return [("second", int(m["index"]), read_second(m))]
        if kind == "done":
            final = read_final(m)
            self.live.discard(final.index)
            return [("done", final.index, final)]
        if kind in ("fatal", "lost"):
            i = int(m["index"])
            self.live.discard(i)
            return [(kind, i, f"{self.name}: {m.get('error') or m.get('reason')}")]
        if kind == "end":
            self.relay_cpu = float(m.get("cpu", 0.0))
            self.notes += [f"worker {self.name}: {n}" for n in m.get("notes", [])]
            self.conn.close()
            return self._lose("it ended without reporting every process")
        return []  # "alive"

    def _lose(self, reason: str) -> list[Event]:
        lost = sorted(self.live)
        self.live.clear()
        self.conn.close()
        return [("lost", i, f"worker {self.name} lost: {reason}") for i in lost]

    def check(self) -> list[Event]:
        if self.live and time.monotonic() - self.heard > SILENT_LIMIT:
            return self._lose(f"silent for {SILENT_LIMIT:g}s")
        return []

    def stop(self) -> None:
        if not self.conn.closed:
            self._send({"type": "stop"})

    def reap(self) -> list[str]:
        """Wait briefly for the worker's closing report, then hang up."""
        deadline = time.monotonic() + 5.0
        while not self.conn.closed and time.monotonic() < deadline:
            try:
                m = self.conn.recv(max(deadline - time.monotonic(), 0.01))
            except (ConnectionError, TimeoutError):
                break
            if m["type"] == "end":
                self._event(m)
        self.conn.close()
        return self.notes

    def close(self) -> None:
        if not self.conn.closed:
            self._send({"type": "bye"})
        self.conn.close()


def connect_workers(
    addresses: Sequence[str], token: bytes, processes: int | None = None
) -> list[RemoteFleet]:
    """Connect to every worker (or to none: the first failure closes the others)."""
    fleets: list[RemoteFleet] = []
    try:
        for address in addresses:
            fleets.append(RemoteFleet.connect(address, token, processes))
    except LoadTestError:
        for f in fleets:
            f.close()
        raise
    return fleets


def scenario_document(scenario: Scenario) -> dict[str, Any]:
    """The scenario as the workers rebuild it: no addresses, no files (the data goes along)."""
    doc = scenario.model_dump(mode="json", by_alias=True, exclude_unset=True)
    for key in ("workers", "processes", "variables", "databases"):
        doc.pop(key, None)
    return doc


def distribute(
    fleets: Sequence[RemoteFleet], scenario: Scenario, base_dir: Path | None = None
) -> tuple[RunPlan, list[RemoteFleet]]:
    """Compile the plan for every worker's processes and send each its share; returns the plan
    and the workers that got a share (a closed model with fewer users than processes leaves
    some out; those are closed)."""
    wanted = sum(f.processes for f in fleets)
    plan = compile_plan(scenario, base_dir, workers=wanted)
    total = len(plan.workers)
    doc = scenario_document(scenario)
    variables = plan.workers[0].variables if plan.workers else None
    used: list[RemoteFleet] = []
    start = 0
    for fleet in fleets:
        count = min(fleet.processes, total - start)
        if count <= 0:
            fleet.close()
            continue
        fleet.assign(range(start, start + count), total, doc, variables)
        used.append(fleet)
        start += count
    return plan, used
