"""``warden load worker``: generate a controller's share of a run on this machine.

The worker listens on one address and serves one controller at a time (others wait in the
listen backlog). A session: the mutual token handshake (wire.py), clock readings for the
controller's skew estimate, then the plan: the scenario, its variable data and this worker's
global indices. The worker compiles the scenario itself, so every bound of a local run holds
here too (loopback unless ``allow_remote``, the duration and request caps), starts one process
per index (``LocalFleet``), says ``ready``, starts them at the instant the controller names in
this machine's clock, and relays every event of its processes as it comes. It sends ``alive``
when it has had nothing to say for a second. When the controller hangs up, or asks to stop,
the processes stop and finish what is in flight; past the run's hard deadline they are
stopped and then terminated, as in a local run. The token is never logged.
"""

from __future__ import annotations

import logging
import os
import resource
import socket
import time
from collections.abc import Callable
from multiprocessing.connection import wait
from typing import Any

from pydantic import ValidationError

from warden.errors import LoadTestError
from warden.loadtest.compile import RunPlan, compile_plan
from warden.loadtest.fleet import KILL_AFTER, Event, LocalFleet
from warden.loadtest.plan import WorkerPlan
from warden.loadtest.remote import split_address
from warden.loadtest.scenario import Scenario
from warden.loadtest.variables import SequenceVar, VariableData
from warden.loadtest.wire import (
    FrameConn,
    Message,
    final_message,
    second_message,
    worker_handshake,
)

log = logging.getLogger("warden.load.worker")
HANDSHAKE_TIMEOUT = 10.0
IDLE_TIMEOUT = 300.0
READY_TIMEOUT = 60.0
START_TIMEOUT = 120.0
GRACE = 15.0
MAX_PROCESSES = 256


class WorkerServer:
    """A bound listening socket and the loop that serves controllers on it."""

    def __init__(
        self,
        listen: str,
        token: bytes,
        processes: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        host, port = split_address(listen)
        self.token = token
        self.processes = max(1, min(processes or os.cpu_count() or 1, MAX_PROCESSES))
        self.clock = clock  # this machine's wall clock (a test gives a skewed one)
        try:
            self.sock = socket.create_server((host, port), backlog=8)
        except OSError as exc:
            raise LoadTestError(f"cannot listen on {listen}: {exc.strerror or exc}") from None
        bound = self.sock.getsockname()
        self.address = f"{bound[0]}:{bound[1]}"

    def serve(self, sessions: int | None = None) -> None:
        """Serve controllers one after the other (``sessions`` of them, or until stopped)."""
        served = 0
        while sessions is None or served < sessions:
            try:
                sock, addr = self.sock.accept()
            except OSError:
                return  # closed
            conn = FrameConn(sock, f"{addr[0]}:{addr[1]}")
            try:
                self.session(conn)
            except (ConnectionError, TimeoutError, LoadTestError) as exc:
                log.warning("%s", exc)
            finally:
                conn.close()
            served += 1

    def close(self) -> None:
        self.sock.close()

    def session(self, conn: FrameConn) -> None:
        if not worker_handshake(conn, self.token, self.processes, HANDSHAKE_TIMEOUT):
            log.warning("%s: refused: the controller did not prove it holds the token", conn.peer)
            return
        log.info("%s: controller authenticated", conn.peer)
        while True:
            m = conn.recv(IDLE_TIMEOUT)
            if m["type"] == "clock":
                conn.send({"type": "clock", "t": self.clock()})
            elif m["type"] == "plan":
                break
            elif m["type"] == "bye":
                return
        try:
            plans, plan = build_plans(m)
        except LoadTestError as exc:
            conn.send({"type": "fatal", "error": str(exc)})
            return
        log.info(
            "%s: %d process(es) for %r (%s model, %gs) against %s",
            conn.peer,
            len(plans),
            plan.name,
            plan.model,
            plan.duration,
            plan.target_url,
        )
        self._run(conn, plans, plan)

    def _run(self, conn: FrameConn, plans: list[WorkerPlan], plan: RunPlan) -> None:
        usage0 = resource.getrusage(resource.RUSAGE_SELF)
        fleet = LocalFleet(plans).spawn()
        notes: list[str] = []
        try:
            fleet.wait_ready(time.monotonic() + READY_TIMEOUT)
            conn.send({"type": "ready"})
            start = conn.recv(START_TIMEOUT)
            if start["type"] != "start":
                return
            wall = float(start["at"]) - (self.clock() - time.time())
            relay(conn, fleet, wall, plan)
        except LoadTestError as exc:
            notes.append(str(exc))
            _try_send(conn, {"type": "fatal", "index": plans[0].index, "error": str(exc)})
        finally:
            notes += fleet.reap()
            usage1 = resource.getrusage(resource.RUSAGE_SELF)
            cpu = sum(getattr(usage1, f) - getattr(usage0, f) for f in ("ru_utime", "ru_stime"))
            _try_send(conn, {"type": "end", "cpu": round(cpu, 3), "notes": notes})
            log.info("%s: run finished", conn.peer)


def build_plans(m: Message) -> tuple[list[WorkerPlan], RunPlan]:
    """This worker's plans from a ``plan`` message (the whole run's, compiled here)."""
    try:
        scenario = Scenario.model_validate(m["scenario"])
        total = int(m["total"])
        indices = [int(i) for i in m["indices"]]
        v = m.get("variables")
        variables = None
        if v is not None:
            variables = VariableData(
                tuple(str(c) for c in v["columns"]),
                tuple(tuple(str(x) for x in row) for row in v["rows"]),
                tuple(SequenceVar(str(n), int(a), int(b)) for n, a, b in v["sequences"]),
            )
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise LoadTestError(
            f"this worker cannot run the scenario: {where}: {first['msg']}"
        ) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise LoadTestError(f"a malformed plan: {exc!r}") from None
    if not 0 < total <= 4096 or not 0 < len(indices) <= MAX_PROCESSES:
        raise LoadTestError("a plan with a bad number of processes")
    if len(set(indices)) != len(indices) or not all(0 <= i < total for i in indices):
        raise LoadTestError("a plan with bad process indices")
    plan = compile_plan(scenario, workers=total, variables=variables)
    if len(plan.workers) != total:
        raise LoadTestError(f"the plan has {len(plan.workers)} processes, the controller {total}")
    return [plan.workers[i] for i in indices], plan


def _event_message(event: Event) -> Message:
    kind, index, payload = event
    if kind == "second":
        return second_message(index, payload)
    if kind == "done":
        return final_message(payload)
    key = "error" if kind == "fatal" else "reason"
    return {"type": kind, "index": index, key: str(payload)}


def _try_send(conn: FrameConn, message: Message) -> bool:
    try:
        conn.send(message, timeout=5.0)
    except ConnectionError:
        return False
    return True


def relay(conn: FrameConn, fleet: LocalFleet, wall: float, plan: RunPlan) -> None:
    """Start the processes at ``wall`` (this machine's clock) and pass on what they report."""
    fleet.start(wall)
    hard = time.monotonic() + max(wall - time.time(), 0.0) + plan.duration + plan.timeout + GRACE
    live = set(fleet.indices)
    controller = True
    last = time.monotonic()
    while live:
        waitables: list[Any] = fleet.waitables() + ([conn] if controller else [])
        ready: list[Any] = wait(waitables, timeout=0.5)
        for w in ready:
            if w is conn:
                try:
                    messages = conn.poll()
                except ConnectionError:
                    controller = False
                    fleet.stop()
                    continue
                if any(m["type"] in ("stop", "bye") for m in messages):
                    fleet.stop()
                continue
            for event in fleet.read(w):
                if event[0] != "second":
                    live.discard(event[1])
                if controller:
                    controller = _try_send(conn, _event_message(event))
                    last = time.monotonic()
                    if not controller:
                        log.warning("%s: the controller is gone; stopping", conn.peer)
                        fleet.stop()
        now = time.monotonic()
        if controller and now - last >= 1.0:
            controller = _try_send(conn, {"type": "alive"})
            last = now
            if not controller:
                fleet.stop()
        if now > hard:
            fleet.stop()
            if now > hard + KILL_AFTER:
                return


def run_worker(listen: str, token: bytes, processes: int | None, sessions: int | None) -> None:
    """``warden load worker``: log to stderr and serve until interrupted."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    server = WorkerServer(listen, token, processes)
    log.info("listening on %s with %d process(es) per run", server.address, server.processes)
    try:
        server.serve(sessions)
    except KeyboardInterrupt:
        log.info("interrupted")
    finally:
        server.close()
