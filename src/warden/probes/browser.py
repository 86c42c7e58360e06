"""The ``browser`` probe: load a page in headless Chromium (Playwright), measure it, run steps.

Each check opens a new context (cold cache, no cookies) in the browser its App shares
(``_browser_pool``), loads ``url`` until the load event, waits until the page has been quiet
for ``settle``, reads the page's timings (``_browser_page``), then runs the ``steps``.

Statuses: DOWN when the page does not load (``dns``, ``refused``, ``reset``, ``tls``,
``timeout``, ``error``), when the document's status is 400 or more (``http_status``), when a
step fails or a ``down`` budget is exceeded (``assertion``); DEGRADED past a ``degraded``
budget (by default: load over 3 s, time to interactive over 5 s) and, by default, on an
uncaught JavaScript error or a failed sub-request; UP otherwise. Each finding is named in the
message. A check that is not UP leaves a screenshot (``_browser_shots``). The page gets the
monitor's timeout less a quarter (at most 3 s), kept for the screenshot.

Metrics: ``http_status``, ``dom_content_loaded_seconds``, ``load_seconds``, ``fcp_seconds``,
``lcp_seconds``, ``tti_seconds``, ``tbt_seconds``, ``cls``, ``transfer_bytes``, ``requests``,
``js_errors``, ``failed_requests``, ``steps`` (done). Phases: ``queue`` (waiting for a free
context), ``browser`` (when Chromium had to start), ``dns`` ... ``onload`` of the document,
``settle`` and ``steps``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

from warden._lazy import lazy_module
from warden.config._types import format_duration, redact_url
from warden.probes import _browser_page as measure
from warden.probes import _browser_shots as shots
from warden.probes._base import Probe, ProbeDeps, register
from warden.probes._browser_config import BrowserConfig, Step
from warden.probes._browser_pool import BrowserPool, lease, release
from warden.probes._net import Stopwatch, Verdict, down, one_line, scrub
from warden.results import CheckResult, ErrorClass, Status, describe_exception

if TYPE_CHECKING:
    import playwright.async_api
    from playwright.async_api import Page, Request, Response
else:
    playwright = lazy_module("playwright", "async_api")

log = logging.getLogger("warden.probes.browser")
MAX_RESERVE = 3.0
SETTLE_LIMIT = 5.0
"""Seconds a page may stay busy after the load before it is measured anyway."""
QUALITIES = (70, 40, 20)


class _Visit:
    """One page load: the problems the page reports while it is watched."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.watching = True
        page.on("pageerror", self._error)
        page.on("requestfailed", self._request_failed)
        page.on("response", self._response)

    def _error(self, exc: Any) -> None:
        if self.watching:
            self.errors.append(one_line(str(getattr(exc, "message", exc)), 200))

    def _request_failed(self, request: Request) -> None:
        reason = request.failure or "failed"
        if self.watching and "ERR_ABORTED" not in reason:
            self.failed.append(f"{request.method} {_short(request.url)}: {reason}")

    def _response(self, response: Response) -> None:
        if not self.watching or response.status < 400:
            return
        request = response.request
        try:
            main = request.is_navigation_request() and request.frame == self.page.main_frame
        except playwright.async_api.Error:  # a worker's request has no frame
            main = False
        if not main:
            self.failed.append(f"{request.method} {_short(request.url)}: {response.status}")


def _short(url: str) -> str:
    return one_line(redact_url(url), 120)


def _combine(findings: list[tuple[Status, ErrorClass, str]], metrics: dict[str, float]) -> Verdict:
    """The worst finding's status and class, every finding in the message."""
    if not findings:
        return Verdict(Status.UP, measure.summary(metrics), ErrorClass.NONE, metrics)
    worst = max(findings, key=lambda f: f[0])
    return Verdict(worst[0], "; ".join(f[2] for f in findings), worst[1], metrics)


@register
class BrowserProbe(Probe[BrowserConfig]):
    """Loads a page in Chromium; see the module docstring for statuses and metrics."""

    type = "browser"
    config_model = BrowserConfig

    def __init__(self, monitor: str, config: BrowserConfig, timeout: float, deps: ProbeDeps):
        super().__init__(monitor, config, timeout, deps)
        self._pool: BrowserPool | None = None
        self._reserve = min(MAX_RESERVE, timeout / 4)

    @property
    def pool(self) -> BrowserPool:
        """The shared browser of this probe's App (leased at the first use)."""
        if self._pool is None:
            self._pool = lease(self.deps, self.config.browser(), self.config.contexts)
        return self._pool

    def prepare(self) -> None:
        """Import Playwright and, in a running loop, start the shared Chromium."""
        super().prepare()
        self.pool.warm()

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await release(self.deps, pool)

    async def check(self) -> CheckResult:
        watch = Stopwatch(self.deps.clock)
        verdict, crashed = await self._attempt(watch, self.timeout - self._reserve)
        left = self.timeout - self._reserve - watch.elapsed()
        if crashed and left > self.timeout / 2:  # Chromium died under us: not the page's fault
            log.warning("%s: Chromium crashed during the check; trying once more", self.monitor)
            verdict, _ = await self._attempt(watch, left)
        return self.result(
            verdict.status,
            watch.elapsed(),
            watch.started,
            scrub(verdict.message, self.config.secrets()),
            verdict.error,
            watch.phases,
            verdict.metrics,
        )

    async def _attempt(self, watch: Stopwatch, budget: float) -> tuple[Verdict, bool]:
        """One try within ``budget`` seconds (the screenshot may take the reserve too);
        True when Chromium was lost meanwhile."""
        cfg, pool = self.config, self.pool
        visit: _Visit | None = None
        metrics: dict[str, float] = {}
        ready = False  # Chromium was running when this try began its page
        async with contextlib.AsyncExitStack() as stack:
            try:
                async with asyncio.timeout(budget):
                    with watch.phase("queue"):
                        await stack.enter_async_context(pool.slot())
                    if watch.phases["queue"] < 0.001:
                        del watch.phases["queue"]
                    with watch.phase("browser"):
                        browser, started = await pool.browser()
                    if not started:
                        watch.phases.pop("browser", None)
                    ready = True
                    context = await stack.enter_async_context(
                        pool.context(
                            browser,
                            viewport={"width": cfg.viewport.width, "height": cfg.viewport.height},
                            user_agent=cfg.user_agent,
                            ignore_https_errors=not cfg.verify,
                            service_workers="block",
                        )
                    )
                    await context.add_init_script(script=measure.INIT_SCRIPT)
                    page = await context.new_page()
                    page.set_default_timeout(max(1.0, budget - watch.elapsed()) * 1000)
                    visit = _Visit(page)
                    verdict = await self._visit(visit, watch, metrics)
            except TimeoutError:
                during = f" during {watch.current}" if watch.current else ""
                message = f"timed out after {format_duration(round(budget, 3))}{during}"
                verdict = down(ErrorClass.TIMEOUT, message, metrics)
            except playwright.async_api.Error as exc:
                if ready and not pool.running:
                    return down(ErrorClass.ERROR, "Chromium crashed during the check"), True
                verdict = self._failure(exc, watch, metrics)
            if visit is not None:
                visit.watching = False
                if verdict.status is not Status.UP:
                    await self._screenshot(visit.page, watch.started, verdict.status)
        return verdict, False

    async def _visit(self, visit: _Visit, watch: Stopwatch, metrics: dict[str, float]) -> Verdict:
        cfg, page = self.config, visit.page
        with watch.phase("load"):
            response = await page.goto(cfg.url.get_secret_value(), wait_until="load")
        watch.phases.pop("load", None)  # the page's own timings split it (see measures)
        if response is not None:
            metrics["http_status"] = float(response.status)
            if response.status >= 400:
                self._measure(watch, metrics, await page.evaluate(measure.MEASURE))
                text = f"status {response.status} {response.status_text}".rstrip()
                return down(ErrorClass.HTTP_STATUS, text, metrics)
        with watch.phase("settle"):
            quiet = cfg.settle * 1000
            with contextlib.suppress(playwright.async_api.TimeoutError):  # busy for good
                limit = max(SETTLE_LIMIT, 4 * cfg.settle) * 1000
                await page.wait_for_function(measure.SETTLED, arg=quiet, polling=100, timeout=limit)
            data = await page.evaluate(measure.MEASURE)
        self._measure(watch, metrics, data)
        findings = measure.budget_findings(cfg, metrics)
        done = 0
        with watch.phase("steps"):
            for i, step in enumerate(cfg.steps, 1):
                problem = await self._step(page, step)
                if problem is not None:
                    findings.insert(0, (Status.DOWN, ErrorClass.ASSERTION, f"step {i}: {problem}"))
                    break
                done += 1
        if not cfg.steps:
            watch.phases.pop("steps", None)
        metrics["steps"] = float(done)
        metrics["js_errors"] = float(len(visit.errors))
        metrics["failed_requests"] = float(len(visit.failed))
        findings += measure.problem_finding(cfg.js_errors, "JavaScript error", visit.errors)
        findings += measure.problem_finding(cfg.failed_requests, "failed request", visit.failed)
        return _combine(findings, metrics)

    @staticmethod
    def _measure(watch: Stopwatch, metrics: dict[str, float], data: Any) -> None:
        phases, measured = measure.measures(data)
        watch.phases.update(phases)
        metrics.update(measured)

    async def _step(self, page: Page, step: Step) -> str | None:
        """Run one step; what went wrong, or None."""
        wait = self.config.step_timeout * 1000
        try:
            if step.click is not None:
                await page.click(step.click, timeout=wait)
            elif step.fill is not None:
                await page.fill(
                    step.fill.selector, step.fill.value.get_secret_value(), timeout=wait
                )
            elif step.expect is not None:
                where = page.locator(step.expect.selector) if step.expect.selector else None
                found = (
                    where.filter(has_text=step.expect.text)
                    if where is not None
                    else page.get_by_text(step.expect.text)
                )
                await found.first.wait_for(state="visible", timeout=wait)
        except playwright.async_api.TimeoutError:
            within = format_duration(self.config.step_timeout)
            if step.expect is not None:
                return f"{step.describe()}: not found within {within}"
            return f"{step.describe()}: no such element ready within {within}"
        return None

    def _failure(self, exc: BaseException, watch: Stopwatch, metrics: dict[str, float]) -> Verdict:
        text = one_line(str(getattr(exc, "message", "") or describe_exception(exc)), 300)
        text = text.split(" Call log:", 1)[0]
        if isinstance(exc, playwright.async_api.TimeoutError):
            return down(ErrorClass.TIMEOUT, f"{watch.current or 'page'}: {text}", metrics)
        return down(measure.classify_error(text), f"{watch.current or 'page'}: {text}", metrics)

    async def _screenshot(self, page: Page, at: float, status: Status) -> None:
        """Keep what the page showed (best effort, within the reserved time)."""
        cfg = self.config.screenshots
        if cfg.keep == 0:
            return
        try:
            async with asyncio.timeout(self._reserve * 0.7):
                for quality in QUALITIES:
                    image = await page.screenshot(type="jpeg", quality=quality)
                    if len(image) <= cfg.max_bytes:
                        await asyncio.to_thread(
                            shots.save, cfg.dir, self.monitor, at, status.label, image, cfg.keep
                        )
                        return
                log.warning("%s: screenshot over %d bytes, not kept", self.monitor, cfg.max_bytes)
        except (TimeoutError, OSError, playwright.async_api.Error) as exc:
            log.warning("%s: no screenshot: %s", self.monitor, describe_exception(exc))
