"""Live updates for the dashboard over Server-Sent Events (``GET /api/v1/events``).

One ``LiveFeed`` subscribes to the App's event bus (state changes, stored batches) and fans
each event out to the queues of the connected browsers. A browser that falls behind loses
events, not memory: its next refresh reads the current state anyway. A stream ends after
``MAX_STREAM`` seconds; ``EventSource`` reconnects by itself (``retry:`` sets the delay).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from warden.engine.bus import EventBus, StateChanged, Stored
from warden.web.context import Web
from warden.web.users import Role

KEEPALIVE = 15.0
MAX_STREAM = 300.0
RETRY_MS = 3000
QUEUE_SIZE = 256


class LiveFeed:
    """Events for the browsers: ``state`` (a monitor's confirmed state changed) and
    ``stored`` (new results are in the store, so pages may re-read them)."""

    def __init__(self, bus: EventBus, now: Callable[[], float]) -> None:
        self.now = now
        self.queues: set[asyncio.Queue[tuple[str, dict[str, Any]]]] = set()
        bus.subscribe(StateChanged, self._on_state)
        bus.subscribe(Stored, self._on_stored)

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        for queue in list(self.queues):
            if not queue.full():
                queue.put_nowait((kind, data))

    async def _on_state(self, event: StateChanged) -> None:
        old = event.old.label if event.old is not None else None
        self.publish(
            "state",
            {"monitor": event.monitor, "old": old, "new": event.new.label, "since": event.since},
        )

    async def _on_stored(self, event: Stored) -> None:
        if event.results or event.samples:
            self.publish("stored", {"results": event.results, "samples": event.samples})

    async def stream(self) -> AsyncIterator[str]:
        queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue(QUEUE_SIZE)
        self.queues.add(queue)
        loop = asyncio.get_running_loop()
        ends = loop.time() + MAX_STREAM
        try:
            yield f"retry: {RETRY_MS}\nevent: hello\ndata: {json.dumps({'time': self.now()})}\n\n"
            while loop.time() < ends:
                try:
                    kind, data = await asyncio.wait_for(queue.get(), KEEPALIVE)
                except TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                yield f"event: {kind}\ndata: {json.dumps(data)}\n\n"
        finally:
            self.queues.discard(queue)


def live_routes(web: Web, feed: LiveFeed) -> list[BaseRoute]:
    @web.auth.guard(Role.VIEWER)
    async def events(_: Request) -> Response:
        return StreamingResponse(
            feed.stream(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    return [Route("/api/v1/events", events)]
