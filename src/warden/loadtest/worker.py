"""The worker process: one per core, each running its own uvloop event loop and generator.

The parent starts workers with the ``spawn`` method and talks to each over a duplex pipe:
the worker says ``("ready", index)``, waits for ``("start", wall_time)``, then sends
``("second", index, WorkerSecond)`` every second and ``("done", index, WorkerFinal)`` at the
end (``("fatal", index, message)`` if it cannot run). A shared event asks every worker to stop
early; SIGINT is left to the parent, which stops the workers in order. A worker whose parent
is gone (killed, so it could not say stop) stops by itself: it sees its parent change or its
pipe break, and finishes what is in flight.
"""

from __future__ import annotations

import asyncio
import os
import resource
import signal
import time
from multiprocessing.connection import Connection as Pipe
from typing import Any

from warden.loadtest.generator import NS, Generator
from warden.loadtest.models import ClosedGenerator, OpenGenerator
from warden.loadtest.plan import OPEN, WorkerFinal, WorkerPlan, WorkerSecond
from warden.results import describe_exception

START_TIMEOUT = 120.0


def build_generator(plan: WorkerPlan, pipe: Pipe, stop_event: Any) -> Generator:
    parent = os.getppid()
    broken = False

    def emit(second: WorkerSecond) -> None:
        nonlocal broken
        if broken:
            return
        try:
            pipe.send(("second", plan.index, second))
        except OSError:  # the parent is gone: nobody reads this any more
            broken = True

    def stop_requested() -> bool:
        return broken or stop_event.is_set() or os.getppid() != parent

    cls = OpenGenerator if plan.model == OPEN else ClosedGenerator
    return cls(plan, emit, stop_requested)


def worker_main(plan: WorkerPlan, pipe: Pipe, stop_event: Any) -> None:
    """Entry point of a worker process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import uvloop

        generator = build_generator(plan, pipe, stop_event)
        pipe.send(("ready", plan.index))
        if not pipe.poll(START_TIMEOUT):
            return
        message = pipe.recv()
        if message[0] != "start":
            return
        wall_start: float = message[1]
        t0 = time.perf_counter_ns() + int((wall_start - time.time()) * NS)
        uvloop.run(generator.run(t0))
        usage = resource.getrusage(resource.RUSAGE_SELF)
        pipe.send(("done", plan.index, WorkerFinal(plan.index, usage.ru_utime + usage.ru_stime)))
    except (EOFError, BrokenPipeError):
        return  # the parent is gone
    except Exception as exc:  # report the worker's own failure instead of dying silently
        try:
            pipe.send(("fatal", plan.index, describe_exception(exc)))
        except OSError:
            return
    finally:
        pipe.close()


def run_inline(plan: WorkerPlan, emit: Any, stop: Any) -> None:
    """Run one worker's plan in this process (for tests of the generator itself)."""
    cls = OpenGenerator if plan.model == OPEN else ClosedGenerator
    generator = cls(plan, emit, stop)
    asyncio.run(generator.run(time.perf_counter_ns()))
