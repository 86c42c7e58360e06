"""One headless Chromium shared by the ``browser`` monitors, with a bounded number of pages.

A ``BrowserPool`` starts Playwright and Chromium at its first check, gives each check a new
browser context (fresh cookies, cache and storage) and closes it afterwards; at most
``contexts`` are open at once, further checks wait their turn. When Chromium crashes or its
Playwright driver dies, the next check starts a new one.

The monitors of one App share a pool: ``lease(deps, executable, contexts)`` hands the probe
the pool of its App (the ``ProbeDeps`` the App gave it) for that browser and limit, and
``release`` closes the pool once its last probe is closed. A pool belongs to the event loop of
its first check; met from another loop (a new ``warden check`` run) it starts afresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from warden._lazy import lazy_module

if TYPE_CHECKING:
    import playwright.async_api
    from playwright.async_api import Browser, BrowserContext, Playwright
else:
    playwright = lazy_module("playwright", "async_api")

log = logging.getLogger("warden.probes.browser")

ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--mute-audio",
    "--no-first-run",
)
"""Chromium flags: headless, no GPU, nothing that phones home between checks."""

CLOSE_TIMEOUT = 5.0


class BrowserPool:
    """A lazily started Chromium and a limit on the contexts open in it."""

    def __init__(self, executable: str | None, contexts: int) -> None:
        self.executable = executable
        self.contexts = contexts
        self.launches = 0
        """How many times Chromium was started (more than one: it was restarted)."""
        self._pw: Playwright | None = None
        self._browser: Browser | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock: asyncio.Lock | None = None
        self._slots: asyncio.Semaphore | None = None
        self._closing: set[asyncio.Future[None]] = set()
        self._warming: asyncio.Future[None] | None = None

    def _bind(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # first use, or a new loop: the old objects are dead
            self._loop = loop
            self._pw = self._browser = self._warming = None
            self._lock = asyncio.Lock()
            self._slots = asyncio.Semaphore(self.contexts)

    @property
    def running(self) -> bool:
        return self._browser is not None and self._browser.is_connected()

    async def browser(self) -> tuple[Browser, bool]:
        """The running Chromium, started (or restarted) if needed; True when just started."""
        self._bind()
        assert self._lock is not None
        async with self._lock:
            if self._browser is not None and self._browser.is_connected():
                return self._browser, False
            if self._browser is not None:
                log.warning("Chromium is gone (crashed or killed): starting a new one")
                await self._drop()
            if self._pw is None:
                self._pw = await playwright.async_api.async_playwright().start()
            try:
                self._browser = await self._pw.chromium.launch(
                    executable_path=self.executable, args=list(ARGS), headless=True
                )
            except Exception:
                await self._drop()  # the driver itself may be dead: start it again next time
                raise
            self.launches += 1
            return self._browser, True

    def warm(self) -> None:
        """Start Chromium in the background now (when called in a running loop), so that the
        first check does not spend its time on it."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        self._bind()
        if self._warming is None and not self.running:
            self._warming = asyncio.ensure_future(self._warm())

    async def _warm(self) -> None:
        try:
            await self.browser()
        except Exception as exc:  # the first check tries again and reports it
            log.warning("cannot start Chromium: %s", exc)

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Wait for one of the ``contexts`` places."""
        self._bind()
        assert self._slots is not None
        async with self._slots:
            yield

    @contextlib.asynccontextmanager
    async def context(self, browser: Browser, **options: Any) -> AsyncIterator[BrowserContext]:
        """A new context in ``browser``, closed on the way out whatever happened."""
        ctx = await browser.new_context(**options)
        try:
            yield ctx
        finally:  # shielded: a check cancelled at its hard deadline still closes its context
            closing = asyncio.ensure_future(_close(ctx))
            self._closing.add(closing)
            closing.add_done_callback(self._closing.discard)
            await asyncio.shield(closing)

    async def _drop(self) -> None:
        browser, pw = self._browser, self._pw
        self._browser = self._pw = None
        if browser is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(CLOSE_TIMEOUT):
                    await browser.close()
        if pw is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(CLOSE_TIMEOUT):
                    await pw.stop()

    async def close(self) -> None:
        """Close Chromium and the Playwright driver (if running in this loop)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._loop is loop:
            if self._warming is not None:
                self._warming.cancel()
                await asyncio.gather(self._warming, return_exceptions=True)
            if self._closing:
                await asyncio.wait(set(self._closing), timeout=CLOSE_TIMEOUT)
            await self._drop()


async def _close(closeable: BrowserContext) -> None:
    with contextlib.suppress(Exception):
        async with asyncio.timeout(CLOSE_TIMEOUT):
            await closeable.close()


_Key = tuple[int, str | None, int]
_POOLS: dict[_Key, tuple[BrowserPool, int]] = {}


def lease(owner: object, executable: str | None, contexts: int) -> BrowserPool:
    """The pool ``owner`` (a probe's ``deps``) shares for this browser and limit; the caller
    ``release``s it once."""
    key = (id(owner), executable, contexts)
    pool, users = _POOLS.get(key) or (BrowserPool(executable, contexts), 0)
    _POOLS[key] = (pool, users + 1)
    return pool


async def release(owner: object, pool: BrowserPool) -> None:
    """Give a leased pool back; the last user closes it."""
    key = (id(owner), pool.executable, pool.contexts)
    held = _POOLS.get(key)
    if held is None or held[0] is not pool:
        await pool.close()
        return
    if held[1] > 1:
        _POOLS[key] = (pool, held[1] - 1)
        return
    del _POOLS[key]
    await pool.close()
