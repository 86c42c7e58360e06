"""The delivery worker: sends due outbox rows through their channel, retrying with backoff.

A receiver that is down delays a notification, it never drops it: the row stays ``pending``
with its next attempt pushed out exponentially (``base * 2**attempts``, capped, with jitter).
Rows of one group and channel form a lane delivered in order (a "resolved" never overtakes
its "firing"); lanes are delivered concurrently.
Only a receiver that refuses the payload itself (HTTP 4xx, an invalid Apprise URL) marks a
row ``failed``; that is logged and kept in the delivery log.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from warden.engine.clock import Clock
from warden.notify.channels import Channel
from warden.notify.outbox import Outbox, OutboxEntry

log = logging.getLogger("warden.notify")

OnDelivered = Callable[[OutboxEntry, bool, str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Backoff:
    base: float = 2.0
    cap: float = 300.0
    jitter: float = 0.1

    def delay(self, attempts: int, rng: random.Random) -> float:
        raw = min(self.cap, self.base * 2 ** max(0, attempts - 1))
        return float(raw * (1 + rng.uniform(-self.jitter, self.jitter)))


class DeliveryWorker:
    def __init__(
        self,
        outbox: Outbox,
        channels: Mapping[str, Mapping[str, Channel]],
        clock: Clock,
        *,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
        on_delivered: OnDelivered | None = None,
        active: Callable[[], bool] | None = None,
    ) -> None:
        self.outbox = outbox
        self.channels = channels  # receiver -> channel id -> channel
        self.clock = clock
        self.backoff = backoff or Backoff()
        self.rng = rng or random.Random()
        self.on_delivered = on_delivered
        self.active = active  # False: another instance delivers (see alerting.leader)
        self._wake = asyncio.Event()

    def wake(self) -> None:
        self._wake.set()

    async def run_once(self) -> int:
        """Deliver what is due, lane by lane in order; returns how many were sent."""
        if self.active is not None and not self.active():
            return 0
        entries = await asyncio.to_thread(self.outbox.pending)
        lanes: dict[tuple[str, str, str], list[OutboxEntry]] = {}
        for e in entries:
            lanes.setdefault((e.receiver, e.channel, e.group_key), []).append(e)
        if not lanes:
            return 0
        results = await asyncio.gather(*(self._lane(lane) for lane in lanes.values()))
        return sum(results)

    async def _lane(self, entries: list[OutboxEntry]) -> int:
        sent = 0
        for entry in entries:
            if entry.next_attempt > self.clock.time():
                break  # the head waits for its retry; later rows wait behind it
            outcome = await self._deliver(entry)
            if outcome == "sent":
                sent += 1
            elif outcome == "retry":
                break
        return sent

    async def _deliver(self, entry: OutboxEntry) -> str:
        """Try one row: ``sent``, ``retry`` (kept pending) or ``failed`` (refused)."""
        channel = self.channels.get(entry.receiver, {}).get(entry.channel)
        if channel is None:
            error = f"receiver {entry.receiver!r} has no channel {entry.channel} any more"
            await asyncio.to_thread(self.outbox.mark_failed, entry.id, error)
            log.error("notification %s not delivered: %s", entry.dedup_key, error)
            return "failed"
        try:
            result = await channel.send(entry.payload, entry.dedup_key)
        except Exception as exc:  # a channel bug must not stop delivery of the others
            log.exception("channel %s failed unexpectedly", channel.describe())
            from warden.notify.channels import Delivery

            result = Delivery(False, type(exc).__name__)
        now = self.clock.time()
        if result.ok:
            await asyncio.to_thread(self.outbox.mark_sent, entry.id, now)
            log.info("notified %s via %s", entry.group_key, channel.describe())
        elif result.retryable:
            delay = self.backoff.delay(entry.attempts + 1, self.rng)
            await asyncio.to_thread(self.outbox.mark_retry, entry.id, result.error, now + delay)
            log.warning(
                "delivery via %s failed (%s); retry in %.0fs",
                channel.describe(),
                result.error,
                delay,
            )
        else:
            await asyncio.to_thread(self.outbox.mark_failed, entry.id, result.error)
            log.error("delivery via %s refused: %s", channel.describe(), result.error)
        if self.on_delivered is not None:
            await self.on_delivered(entry, result.ok, result.error)
        return "sent" if result.ok else "retry" if result.retryable else "failed"

    async def run(self, idle: float = 1.0) -> None:
        """Deliver forever: wake on new rows, else check every ``idle`` seconds of the clock."""
        while True:
            try:
                await self.run_once()
            except Exception as exc:
                log.error("delivery loop: %s", exc)
            self._wake.clear()
            sleeper = asyncio.ensure_future(self.clock.sleep(idle))
            waker = asyncio.ensure_future(self._wake.wait())
            try:
                await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                sleeper.cancel()
                waker.cancel()
