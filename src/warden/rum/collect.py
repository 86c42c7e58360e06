"""Beacons in, histograms out: checking a beacon, limiting senders, counting, writing.

A beacon is JSON, ``{"page": "/cart", "device": "mobile", "metrics": {"LCP": 1840.5,
"CLS": 0.02}}`` (as ``snippet.js`` sends it). ``RumBook.take`` keeps only what it needs: the
page's path (no query or fragment, named like a traffic route), the device class and the
known vitals' values; nothing about the sender is kept (its address is used, in memory, only
by the rate limiter). Counts are summed per (site, page, device, vital, bucket) and written
every ``flush_interval`` as bucket increases (traffic/buckets.py), so sums over any window
are exact.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from warden.results import Sample, describe_exception
from warden.rum.config import RumConfig, RumSite
from warden.rum.vitals import BOUNDS, BY_KEY, BY_NAME, DEVICES
from warden.store.protocol import Store
from warden.traffic.buckets import SUFFIX, bucket_index, le_text, sparse
from warden.traffic.routes import RouteNamer

log = logging.getLogger("warden.rum")
MAX_BYTES = 4096
"""A beacon larger than this is refused (ours are under 200 bytes)."""
MAX_PENDING = 200_000
"""Counters held while the store is unreachable, at most; past it new ones are dropped."""
_Key = tuple[str, str, str, str]  # site, page, device, vital


class BeaconError(ValueError):
    """A beacon that is not one: the message says why (sent back with a 400)."""


class RateLimiter:
    """A token bucket per client address: ``per_minute`` a minute, bursts of as many; the
    least recently seen addresses are forgotten past ``max_clients``."""

    def __init__(self, per_minute: int, now: Callable[[], float], max_clients: int = 10_000):
        self.per_minute = per_minute
        self.now = now
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def allow(self, client: str) -> float:
        """0 when a beacon from ``client`` may pass now (and takes its token), else the
        seconds until one may."""
        now, rate = self.now(), self.per_minute / 60.0
        tokens, at = self._buckets.pop(client, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + max(0.0, now - at) * rate)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / rate
        self._buckets[client] = (tokens, now)
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return wait


def page_path(value: Any) -> str:
    """The path of what a beacon says its page is (a path or a URL), without query."""
    if not isinstance(value, str) or not value or len(value) > 2000:
        raise BeaconError("'page' must be the page's path")
    path = value.split("#", 1)[0].split("?", 1)[0]
    if "://" in path:
        path = "/" + path.split("://", 1)[1].partition("/")[2]
    if not path.startswith("/"):
        raise BeaconError("'page' must be the page's path")
    return path


class RumBook:
    """Counts of the vitals received since the last write."""

    def __init__(self, now: Callable[[], float]) -> None:
        self.now = now
        self.counts: dict[_Key, dict[int, int]] = {}
        self.limiter: RateLimiter | None = None
        self._namers: dict[str, tuple[tuple[tuple[str, ...], int], RouteNamer]] = {}
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self.accepted = 0
        self.dropped = 0

    def limit(self, config: RumConfig, client: str) -> float:
        """The rate limiter's answer for ``client`` (rebuilt when the limit changes)."""
        if self.limiter is None or self.limiter.per_minute != config.rate_limit:
            self.limiter = RateLimiter(config.rate_limit, self.now)
        return self.limiter.allow(client)

    def _page(self, site: RumSite, path: str) -> str:
        shape = (tuple(site.pages), site.max_pages)
        held = self._namers.get(site.name)
        if held is None or held[0] != shape:
            held = (shape, RouteNamer(site.pages, site.max_pages))
            self._namers[site.name] = held
        return held[1](path)

    def take(self, site: RumSite, payload: Any) -> int:
        """Count one beacon's values; how many vitals it gave. BeaconError if malformed."""
        if not isinstance(payload, Mapping):
            raise BeaconError("a beacon is a JSON object")
        device = payload.get("device")
        if device not in DEVICES:
            raise BeaconError(f"'device' must be one of {', '.join(DEVICES)}")
        page = self._page(site, page_path(payload.get("page")))
        metrics = payload.get("metrics")
        if not isinstance(metrics, Mapping):
            raise BeaconError("'metrics' must be an object of name: value")
        taken = 0
        for name, raw in metrics.items():
            vital = BY_NAME.get(str(name).upper())
            if vital is None or isinstance(raw, bool) or not isinstance(raw, int | float):
                continue
            value = float(raw) * vital.scale
            if not math.isfinite(value) or not 0 <= value <= vital.limit:
                continue
            key = (site.name, page, str(device), vital.key)
            if key not in self.counts and len(self.counts) >= MAX_PENDING:
                self.dropped += 1
                continue
            buckets = self.counts.setdefault(key, {})
            index = bucket_index(value, BOUNDS[:-1])
            buckets[index] = buckets.get(index, 0) + 1
            taken += 1
        if not taken:
            raise BeaconError("no known vital (LCP, INP, CLS, TTFB) with a sane value")
        self.accepted += 1
        return taken

    def drain(self) -> tuple[list[Sample], dict[_Key, dict[int, int]]]:
        """The samples of everything counted (stamped now), and the counts they came from."""
        counts, self.counts = self.counts, {}
        now = self.now()
        samples = []
        for (site, page, device, vital_key), buckets in counts.items():
            by_bound = {BOUNDS[i]: float(n) for i, n in buckets.items()}
            name = BY_KEY[vital_key].series + SUFFIX
            for bound, n in sparse(by_bound, BOUNDS).items():
                labels = {"site": site, "page": page, "device": device, "le": le_text(bound)}
                samples.append(Sample(name, labels, n, now))
        return samples, counts

    def _restore(self, counts: dict[_Key, dict[int, int]]) -> None:
        for key, buckets in counts.items():
            mine = self.counts.setdefault(key, {})
            for index, n in buckets.items():
                mine[index] = mine.get(index, 0) + n

    async def flush(self, store: Store) -> int:
        """Write what was counted; kept for the next try when the store fails. Samples
        written."""
        async with self._lock:
            samples, counts = self.drain()
            if not samples:
                return 0
            try:
                await asyncio.to_thread(store.write, (), samples, ())
            except Exception as exc:
                log.error("RUM vitals not stored, will retry: %s", describe_exception(exc))
                self._restore(counts)
                return 0
            return len(samples)

    def start(self, spawn: Callable[[Any, str], Any], store: Store, interval: float) -> None:
        """Start the writer (once) through the App's ``spawn``."""
        if self._task is None:
            self._task = spawn(self._run(store, interval), "rum")

    async def _run(self, store: Store, interval: float) -> None:
        try:
            while True:
                await asyncio.sleep(interval)  # real time: batching is about I/O
                await self.flush(store)
        except asyncio.CancelledError:
            await self.flush(store)  # the App is stopping: keep what was counted
            raise
