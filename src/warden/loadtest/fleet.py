"""Worker processes on this machine: the part of a run that the ``LocalFleet`` generates.

A fleet is what the runner (and a remote worker) talks to: it runs the ``WorkerPlan`` of some
global worker indices and turns what they send into events ``(kind, index, payload)``:
``second`` (a ``WorkerSecond``), ``done`` (a ``WorkerFinal``), ``fatal`` (the worker could not
run: a message) and ``lost`` (it ended without its final report: a reason). The remote
counterpart, ``RemoteFleet`` in remote.py, has the same methods.

Processes start with the ``spawn`` method (fresh interpreters: no inherited threads or
sockets, and every worker is a child that is reaped, so its CPU time is counted wherever the
generator's CPU is measured). A shared event asks them to stop early; one still alive
``KILL_AFTER`` seconds after the stop is terminated.
"""

from __future__ import annotations

import contextlib
import importlib.machinery
import multiprocessing as mp
import sys
import time
from collections.abc import Iterator, Sequence
from multiprocessing.connection import Connection as Pipe
from multiprocessing.connection import wait
from typing import Any, Protocol

from warden.errors import LoadTestError
from warden.loadtest.plan import WorkerPlan
from warden.loadtest.worker import worker_main

KILL_AFTER = 10.0
Event = tuple[str, int, Any]


class Fleet(Protocol):
    """Some of a run's worker processes, local or behind a remote worker."""

    name: str
    indices: tuple[int, ...]

    def waitables(self) -> list[Any]: ...

    def wait_ready(self, deadline: float) -> None: ...

    def start(self, wall_time: float) -> None: ...

    def read(self, waitable: Any) -> list[Event]: ...

    def check(self) -> list[Event]: ...

    def stop(self) -> None: ...

    def reap(self) -> list[str]: ...


@contextlib.contextmanager
def _main_not_needed() -> Iterator[None]:
    """Start workers without re-running the ``__main__`` script in each of them.

    A spawned child normally re-imports the parent's main script (``warden``, ``pytest``, ...)
    in case the target function lives there; ``worker_main`` does not, and that import costs
    every worker a fraction of a second of CPU. ``spawn`` skips a main module whose spec is
    named ``*.__main__``, so one is given for the duration of ``Process.start()`` when the
    script has none.
    """
    main = sys.modules.get("__main__")
    if main is None or getattr(main, "__spec__", None) is not None:
        yield
        return
    main.__spec__ = importlib.machinery.ModuleSpec("warden.__main__", None)
    try:
        yield
    finally:
        main.__spec__ = None


class LocalFleet:
    """One worker process per ``WorkerPlan``, on this machine."""

    name = "local"

    def __init__(self, plans: Sequence[WorkerPlan]) -> None:
        self.plans = tuple(plans)
        self.indices = tuple(p.index for p in self.plans)
        self._ctx = mp.get_context("spawn")
        self._stop = self._ctx.Event()
        self._procs: dict[int, Any] = {}
        self._pipes: dict[int, Pipe] = {}
        self._live: set[int] = set()
        self._started = False

    def spawn(self) -> LocalFleet:
        with _main_not_needed():
            for wp in self.plans:
                parent_end, child_end = self._ctx.Pipe(duplex=True)
                proc = self._ctx.Process(
                    target=worker_main,
                    args=(wp, child_end, self._stop),
                    name=f"warden-load-{wp.index}",
                    daemon=True,
                )
                proc.start()
                child_end.close()
                self._procs[wp.index] = proc
                self._pipes[wp.index] = parent_end
                self._live.add(wp.index)
        return self

    def waitables(self) -> list[Any]:
        return [self._pipes[i] for i in sorted(self._live)]

    def _index(self, pipe: Any) -> int:
        return next(i for i, p in self._pipes.items() if p is pipe)

    def wait_ready(self, deadline: float) -> None:
        waiting = set(self._live)
        while waiting:
            left = deadline - time.monotonic()
            if left <= 0:
                raise LoadTestError("worker processes did not start within 60s")
            for pipe in wait([self._pipes[i] for i in waiting], timeout=left):
                i = self._index(pipe)
                try:
                    message = self._pipes[i].recv()
                except EOFError:
                    raise LoadTestError(f"worker {i} exited before it was ready") from None
                if message[0] == "fatal":
                    raise LoadTestError(f"worker {i} could not start: {message[2]}")
                waiting.discard(i)

    def start(self, wall_time: float) -> None:
        self._started = True
        for i in sorted(self._live):
            self._pipes[i].send(("start", wall_time))

    def read(self, waitable: Any) -> list[Event]:
        i = self._index(waitable)
        try:
            message = self._pipes[i].recv()
        except (EOFError, OSError):
            self._live.discard(i)
            return [("lost", i, "the process ended without its final report")]
        kind = message[0]
        if kind in ("done", "fatal"):
            self._live.discard(i)
        if kind not in ("second", "done", "fatal"):
            return []
        return [(kind, i, message[2])]

    def check(self) -> list[Event]:
        return []

    def stop(self) -> None:
        self._stop.set()

    def reap(self) -> list[str]:
        """Stop every process (terminating one that does not stop); notes on what happened."""
        self._stop.set()
        if not self._started:  # they wait for "start": a closed pipe ends them at once
            for pipe in self._pipes.values():
                pipe.close()
        notes = []
        deadline = time.monotonic() + KILL_AFTER
        for proc in self._procs.values():
            proc.join(timeout=max(deadline - time.monotonic(), 0.1))
        for proc in self._procs.values():
            if proc.is_alive():
                notes.append(f"worker {proc.name} did not stop and was terminated")
                proc.terminate()
                proc.join(timeout=5)
        for pipe in self._pipes.values():
            if not pipe.closed:
                pipe.close()
        self._live.clear()
        return notes
