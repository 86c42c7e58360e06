"""Sharing the work among several ``warden up`` on one PostgreSQL store.

The work is a set of keys: ``monitor:<name>`` per enabled monitor, ``job:<name>`` per scheduled
job, ``collector:<name>`` per collector and ``maintenance`` (rollups and retention). Every
``lease / 3`` seconds an instance renews its row and its leases in the store, learns which
instances are live (renewed within their lease), and computes by rendezvous hashing which keys
should be its own: every instance computes the same answer from the same live set, and an
instance joining or leaving moves only its share of the keys.

An instance runs a key only while it holds the key's lease in the store, and a lease has one
holder: a key changes hands by the giver stopping it, letting its running check finish,
storing what it buffered and releasing the lease; the taker claims it at its next round. A
killed instance releases nothing: its leases run out after ``lease`` seconds, and survivors
claim them at their next round. On a SQLite store (one machine, one process) nothing is
shared: every key belongs to this instance and the store is never asked.

Why leases and not advisory locks, as ``alerting/leader.py`` uses for the one alert
evaluator: a session lock per monitor would fill PostgreSQL's shared lock table at a few
thousand monitors, and a lock outlives a vanished host until TCP notices, while a lease on
the database's clock runs out on time.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import TYPE_CHECKING

from warden.engine.bus import StateChanged
from warden.engine.runner import GRACE
from warden.engine.threads import in_thread
from warden.results import CheckResult, describe_exception
from warden.store.protocol import MonitorState, Store

if TYPE_CHECKING:
    from warden.engine.app import App

log = logging.getLogger("warden.engine")
LEASE = 15.0  # seconds an instance (and each lease it holds) lives without a renewal
MAINTENANCE = "maintenance"  # the work key of rollups and retention


def weight(instance: str, key: str) -> int:
    digest = hashlib.blake2b(f"{instance}\0{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def owner(key: str, live: Sequence[str]) -> str:
    """The live instance that should run ``key`` (highest rendezvous weight)."""
    return max(live, key=lambda instance: (weight(instance, key), instance))


class WorkShare:
    """This instance's part of the work on a shared store (all of it on a local one)."""

    def __init__(self, store: Store, *, lease: float = LEASE, instance: str | None = None) -> None:
        self.store = store
        self.lease = lease
        self.shared = store.shared
        self.host = socket.gethostname()
        self.id = instance or f"{self.host}:{os.getpid()}:{secrets.token_hex(3)}"
        self.held: frozenset[str] = frozenset()
        self.live: tuple[str, ...] = (self.id,)
        self._wanted: tuple[tuple[str, ...], frozenset[str], frozenset[str]] | None = None

    def owns(self, key: str) -> bool:
        return not self.shared or key in self.held

    def wanted(self, keys: frozenset[str], live: tuple[str, ...]) -> frozenset[str]:
        """The keys rendezvous hashing gives this instance (cached while nothing changes)."""
        if self._wanted is None or self._wanted[:2] != (live, keys):
            mine = frozenset(k for k in keys if owner(k, live) == self.id)
            self._wanted = (live, keys, mine)
        return self._wanted[2]

    async def round(
        self, keys: Collection[str], drain: Callable[[frozenset[str]], Awaitable[None]]
    ) -> frozenset[str]:
        """Renew, hand over what is no longer ours, claim what is; returns the keys gained.

        ``drain(keys)`` waits for the running checks of ``keys`` and stores their results.
        """
        store = self.store
        membership = await in_thread(
            store.renew_instance, self.id, self.host, os.getpid(), self.lease
        )
        before = self.held
        live = tuple(sorted({*membership.live, self.id}))
        held = membership.held
        wanted = self.wanted(frozenset(keys), live)
        self.held = held & wanted  # stop what is no longer ours (or was taken) at once
        give = held - wanted
        if give:
            await drain(give)
            await in_thread(store.release_work, self.id, give)
        take = wanted - held
        if take:
            got = await in_thread(store.claim_work, self.id, take, self.lease)
            self.held = got & wanted
        if live != self.live or self.held != before:
            log.info(
                "live instances: %d; this one (%s) runs %d of %d work items",
                len(live),
                self.id,
                len(self.held),
                len(keys),
            )
        self.live = live
        return self.held - before

    async def leave(self) -> None:
        """Give everything up at a clean stop, so the others take over at their next round."""
        self.held = frozenset()
        await in_thread(self.store.leave, self.id)


class Sharing:
    """The App's side of sharing: the renewal loop, adopting the states other instances store,
    and scheduling the monitors this instance takes over."""

    def __init__(self, app: App, share: WorkShare) -> None:
        self.app = app
        self.share = share
        self.wake = asyncio.Event()
        self._round = asyncio.Lock()  # one round at a time (the loop, a reload, a test)

    def keys(self) -> list[str]:
        app = self.app
        keys = [monitor_key(m.name) for m in app.config.monitors if m.enabled]
        keys += [f"job:{job.name}" for job in app.jobs]
        keys += [f"collector:{c.display_name()}" for c in app.config.collectors if c.enabled]
        keys += [f"scaling:{p.name}" for p in app.config.scaling]
        keys.append(MAINTENANCE)
        return keys

    async def loop(self) -> None:
        # real time on purpose: leases run on the store's clock, not on the watched one
        while True:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
            # arrives as the event is set, and shutdown would then wait for this loop forever
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.share.lease / 3):
                    await self.wake.wait()
            self.wake.clear()
            await self.round()

    async def round(self) -> None:
        async with self._round:
            await self._round_once()

    async def _round_once(self) -> None:
        app, before = self.app, self.share.held
        try:
            gained = await self.share.round(self.keys(), self.drain)
        except Exception as exc:  # the store is unreachable: keep running what we hold
            log.warning(
                "cannot renew this instance's share of the work: %s", describe_exception(exc)
            )
            return
        read = True
        try:
            stored = await in_thread(app.store.states)
        except Exception as exc:  # the gained monitors still run, an interval from now
            log.warning("cannot read the stored states: %s", describe_exception(exc))
            stored, read = [], False
        kept = before & self.share.held
        names = {m.name for m in app.config.monitors}
        for st in stored:
            if st.monitor not in names or monitor_key(st.monitor) in kept:
                continue
            changed, old = app.tracker.adopt(st)
            if changed:
                await app.bus.publish(
                    StateChanged(st.monitor, old, st.status, st.since, _as_result(st))
                )
        for key in gained:
            if key.startswith("monitor:"):
                app.take_over(key.removeprefix("monitor:"), states_read=read)

    async def drain(self, keys: frozenset[str]) -> None:
        """Wait (bounded) for the running checks of ``keys``, then store what is buffered."""
        names = {k.removeprefix("monitor:") for k in keys if k.startswith("monitor:")}
        timeouts = [m.timeout for m in self.app.config.monitors if m.name in names]
        longest = max(timeouts, default=0.0) + GRACE + 1.0
        for _ in range(int(longest / 0.05) + 1):
            if not self.app.running(names):
                break
            await asyncio.sleep(0.05)
        await self.app.flush()


def monitor_key(name: str) -> str:
    return f"monitor:{name}"


def _as_result(st: MonitorState) -> CheckResult:
    """The newest check behind a state another instance stored (for ``StateChanged``)."""
    return CheckResult(
        monitor=st.monitor,
        status=st.status,
        latency=st.latency,
        time=st.last_ts,
        message=st.message,
        error=st.error,
    )
