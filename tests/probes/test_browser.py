"""The ``browser`` probe in headless Chromium against pages this test serves on 127.0.0.1.

A good page passes with its metrics; a page whose load is held back breaches the budget; a
page with a JavaScript error and a missing script reports both; steps fill, click and expect;
a failure leaves a screenshot; the monitors share one Chromium, restarted when it crashes.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psutil
import pytest

from tests.conftest import free_port
from warden.probes import ProbeDeps
from warden.probes import _browser_shots as shots
from warden.probes.browser import BrowserConfig, BrowserProbe
from warden.results import CheckResult, ErrorClass, Status

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian package chromium"),
]

PAGES = {
    "/good": """<!doctype html><title>Shop</title><h1>Welcome to the shop</h1>
<p>Socks, shoes and hats.</p>""",
    "/slow": """<!doctype html><title>Slow</title><h1>Slow shop</h1>
<img src="/asset?delay=1.5" alt="held back">""",
    "/broken": """<!doctype html><title>Broken</title><h1>Broken shop</h1>
<script src="/missing.js"></script><script>notDefinedAnywhere();</script>""",
    "/busy": """<!doctype html><title>Busy</title><h1>Busy shop</h1><script>
setTimeout(function () { var t = performance.now(); while (performance.now() - t < 400) {} }, 50);
</script>""",
    "/form": """<!doctype html><title>Form</title><h1>Hello</h1>
<input id="name" placeholder="name"><button id="go">Go</button><p id="out"></p><script>
document.getElementById("go").addEventListener("click", function () {
  document.getElementById("out").textContent = "Hi, " + document.getElementById("name").value;
});</script>""",
    "/error": "<!doctype html><title>Oops</title><h1>Internal error</h1>",
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/asset":
            time.sleep(float(parse_qs(url.query)["delay"][0]))  # holds the load event back
            with contextlib.suppress(OSError):  # the page may be gone by now
                self._send(200, b"GIF89a", "image/gif")
        elif url.path in PAGES:
            status = 500 if url.path == "/error" else 200
            self._send(status, PAGES[url.path].encode(), "text/html; charset=utf-8")
        else:
            self._send(404, b"not found", "text/plain")

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve_pages() -> Iterator[str]:
    """The pages above on 127.0.0.1 (a thread per request); yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with serve_pages() as url:
        yield url


class Browsers:
    """Builds browser probes over one ``ProbeDeps`` (so one shared Chromium); closes them."""

    def __init__(self, shots_dir: Path) -> None:
        self.deps = ProbeDeps()
        self.shots = shots_dir
        self.probes: list[BrowserProbe] = []

    def probe(self, url: str, name: str = "page", timeout: float = 10, **cfg: Any) -> BrowserProbe:
        settings = {"executable_path": CHROMIUM, "screenshots": {"dir": str(self.shots)}, **cfg}
        config = BrowserConfig.model_validate({"url": url, **settings})
        probe = BrowserProbe(name, config, timeout, self.deps)
        probe.prepare()
        self.probes.append(probe)
        return probe

    async def check(self, url: str, **cfg: Any) -> CheckResult:
        return await self.probe(url, **cfg).check()


@pytest.fixture
async def browsers(tmp_path: Path) -> AsyncIterator[Browsers]:
    made = Browsers(tmp_path / "shots")
    yield made
    for probe in made.probes:
        await probe.close()


async def test_a_good_page_passes_with_its_metrics(browsers: Browsers, site: str) -> None:
    result = await browsers.check(f"{site}/good")
    assert result.status is Status.UP, result.message
    m = result.metrics
    assert m["http_status"] == 200
    for name in ("dom_content_loaded_seconds", "load_seconds", "fcp_seconds", "lcp_seconds",
                 "tti_seconds", "tbt_seconds", "cls"):  # fmt: skip
        assert name in m, name
    assert 0 < m["dom_content_loaded_seconds"] <= m["load_seconds"]
    assert m["transfer_bytes"] > 0
    assert m["requests"] >= 1  # Chromium also asks for /favicon.ico
    assert (m["js_errors"], m["failed_requests"], m["steps"]) == (0, 0, 0)
    assert {"ttfb", "transfer", "dom", "onload", "browser"} <= set(result.phases)
    assert result.message.startswith("load ")
    assert shots.listing(browsers.shots, "page") == []  # no screenshot when up


async def test_a_slow_load_breaches_the_budget(browsers: Browsers, site: str) -> None:
    degraded = await browsers.check(f"{site}/slow", budgets={"load": "1s"})
    assert degraded.status is Status.DEGRADED
    assert degraded.error is ErrorClass.ASSERTION
    assert degraded.metrics["load_seconds"] >= 1.5
    assert degraded.message.startswith("load ")
    assert degraded.message.endswith(" is over budget 1s")
    strict = {"load": {"degraded": "0.5s", "down": "1s"}}
    down = await browsers.check(f"{site}/slow", budgets=strict)
    assert down.status is Status.DOWN


async def test_js_errors_and_failed_requests_are_reported(browsers: Browsers, site: str) -> None:
    result = await browsers.check(f"{site}/broken")
    assert result.status is Status.DEGRADED  # the defaults
    assert result.metrics["js_errors"] == 1
    assert result.metrics["failed_requests"] == 1
    assert "1 JavaScript error (first: notDefinedAnywhere is not defined)" in result.message
    assert "1 failed request (first: GET http://127.0.0.1:" in result.message
    assert "/missing.js: 404)" in result.message
    strict = await browsers.check(f"{site}/broken", js_errors="down", failed_requests="ignore")
    assert strict.status is Status.DOWN
    assert "failed request" not in strict.message


async def test_blocking_scripts_count_in_tbt_and_interactive(browsers: Browsers, site: str) -> None:
    result = await browsers.check(f"{site}/busy", budgets={"tbt": "200ms"})
    assert result.metrics["tbt_seconds"] >= 0.3  # one 400 ms task: 350 ms over 50 ms
    assert result.metrics["tti_seconds"] >= 0.4
    assert result.status is Status.DEGRADED
    assert "total blocking time" in result.message


async def test_steps_fill_click_and_expect(browsers: Browsers, site: str) -> None:
    steps = [
        {"fill": {"selector": "#name", "value": "s3cret-name"}},
        {"click": "#go"},
        {"expect": {"text": "Hi, s3cret-name", "selector": "#out"}},
    ]
    result = await browsers.check(f"{site}/form", steps=steps)
    assert result.status is Status.UP, result.message
    assert result.metrics["steps"] == 3
    assert "steps" in result.phases
    missing = [*steps[:2], {"expect": "Goodbye"}]
    failed = await browsers.check(f"{site}/form", steps=missing, step_timeout="500ms")
    assert failed.status is Status.DOWN
    assert failed.error is ErrorClass.ASSERTION
    assert failed.message == "step 3: expect 'Goodbye': not found within 500ms"
    assert failed.metrics["steps"] == 2
    wrong = [{"click": "#nothing-here"}]
    nothing = await browsers.check(f"{site}/form", steps=wrong, step_timeout="300ms")
    assert nothing.message.startswith("step 1: click '#nothing-here': no such element")


async def test_a_failure_leaves_a_screenshot(browsers: Browsers, site: str) -> None:
    result = await browsers.check(f"{site}/error", name="shop")
    assert result.status is Status.DOWN
    assert result.error is ErrorClass.HTTP_STATUS
    assert result.message == "status 500 Internal Server Error"
    assert "ttfb" in result.phases  # the page's timings are kept all the same
    [shot] = shots.listing(browsers.shots, "shop")
    assert shot.status == "down"
    assert shot.time == pytest.approx(result.time, abs=0.001)
    image = shots.read(browsers.shots, "shop", shot.name)
    assert image is not None
    assert image[:3] == b"\xff\xd8\xff"  # a JPEG


async def test_a_closed_port_is_refused(browsers: Browsers) -> None:
    result = await browsers.check(f"http://127.0.0.1:{free_port()}/")
    assert result.status is Status.DOWN
    assert result.error is ErrorClass.REFUSED
    assert "ERR_CONNECTION_REFUSED" in result.message


async def test_a_page_that_never_loads_times_out(browsers: Browsers, site: str) -> None:
    assert (await browsers.check(f"{site}/good")).status is Status.UP  # Chromium is running
    probe = browsers.probe(f"{site}/slow", name="stuck", timeout=1.2)
    result = await probe.check()
    assert result.status is Status.DOWN
    assert result.error is ErrorClass.TIMEOUT
    assert "load" in result.message
    assert len(shots.listing(browsers.shots, "stuck")) == 1


async def test_a_missing_chromium_is_an_error_not_a_crash(browsers: Browsers, site: str) -> None:
    result = await browsers.check(f"{site}/good", executable_path="/nonexistent/chromium")
    assert result.status is Status.DOWN
    assert result.error is ErrorClass.ERROR
    assert result.message.startswith("browser: ")
    assert "/nonexistent/chromium" in result.message


def _chromium_processes() -> list[psutil.Process]:
    """The browser processes this test process started (not their renderers, helpers or
    forks not yet exec'd, which are Chromium's children)."""
    found = []
    for p in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):  # gone, or a zombie not reaped yet
            argv = p.cmdline()
            helper = not argv or any(a.startswith("--type=") for a in argv)
            parent = p.parent()
            forked = parent is not None and "chromium" in parent.name()
            if "chromium" in p.name() and not forked and not helper:
                found.append(p)
    return found


async def test_monitors_share_one_browser_restarted_after_a_crash(
    browsers: Browsers, site: str
) -> None:
    first = browsers.probe(f"{site}/good", name="a")
    second = browsers.probe(f"{site}/form", name="b")
    assert first.pool is second.pool
    results = await asyncio.gather(first.check(), second.check())
    assert [r.status for r in results] == [Status.UP, Status.UP]
    assert first.pool.launches == 1
    [browser] = _chromium_processes()
    browser.kill()
    for _ in range(100):  # until Playwright has noticed
        if not first.pool.running:
            break
        await asyncio.sleep(0.05)
    again = await first.check()
    assert again.status is Status.UP, again.message
    assert first.pool.launches == 2
    assert "browser" in again.phases  # this check started Chromium


async def test_the_last_probe_closed_stops_chromium(tmp_path: Path, site: str) -> None:
    made = Browsers(tmp_path)
    probes = [made.probe(f"{site}/good", name=n) for n in ("a", "b")]
    for probe in probes:
        assert (await probe.check()).status is Status.UP
    await probes[0].close()
    assert probes[1].pool.running
    pool = probes[1].pool
    await probes[1].close()
    assert not pool.running
    assert _chromium_processes() == []
