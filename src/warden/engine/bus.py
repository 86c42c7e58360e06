"""A small typed event bus: the engine publishes what happened, other parts subscribe.

Events are frozen dataclasses; a subscriber is an async callable for one event type. A failing
subscriber is logged and does not stop the others or the engine.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from warden.results import CheckResult, Sample, Status

log = logging.getLogger("warden.bus")


@dataclass(frozen=True, slots=True)
class CheckCompleted:
    """A check finished (every result, before it is stored)."""

    result: CheckResult


@dataclass(frozen=True, slots=True)
class StateChanged:
    """A monitor's confirmed state changed (after its retries)."""

    monitor: str
    old: Status | None
    new: Status
    since: float
    result: CheckResult


@dataclass(frozen=True, slots=True)
class SamplesCollected:
    collector: str
    samples: Sequence[Sample]


@dataclass(frozen=True, slots=True)
class JobFinished:
    """A scheduled job (backup, drill, audit, report) finished."""

    job: str
    ok: bool
    message: str
    started: float
    finished: float


@dataclass(frozen=True, slots=True)
class Stored:
    """A batch was committed to the store (its results now survive a crash)."""

    results: int
    samples: int


E = TypeVar("E")
Handler = Callable[[Any], Awaitable[None]]


class EventBus:
    def __init__(self) -> None:
        self._handlers: dict[type, list[Handler]] = defaultdict(list)

    def subscribe(self, event_type: type[E], handler: Callable[[E], Awaitable[None]]) -> None:
        self._handlers[event_type].append(handler)

    def has_subscribers(self, event_type: type) -> bool:
        return bool(self._handlers.get(event_type))

    async def publish(self, event: object) -> None:
        for handler in self._handlers.get(type(event), ()):
            try:
                await handler(event)
            except Exception:
                log.exception("subscriber %r failed on %s", handler, type(event).__name__)
