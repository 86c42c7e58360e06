"""A real Prometheus (Debian's /usr/bin/prometheus) scrapes Warden's /metrics with an API token.

Warden serves its web app on 127.0.0.1 with two TCP monitors, one up (a server of this test)
and one down (a port nobody listens on), and one SLO. Prometheus, started in a temporary
directory and listening on 127.0.0.1 only, scrapes every second; the test waits (at most
60 s) until Prometheus' query API returns the monitors' up series with the right values.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import free_port
from tests.web.conftest import CHEAP_HASHER, serve_web
from tests.web.test_browser import Target
from warden.config.schema import build_model
from warden.engine.app import App
from warden.tables import open_store
from warden.web.users import Role, UserBook

PROMETHEUS = Path("/usr/bin/prometheus")
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not PROMETHEUS.exists(), reason="Debian package prometheus"),
]
WAIT = 60.0


class Warden:
    def __init__(self, app: App, port: int, token: str) -> None:
        self.app, self.port, self.token = app, port, token


@pytest.fixture
async def warden(tmp_path: Path) -> AsyncIterator[Warden]:
    target = Target()
    await target.start()
    cfg = build_model().model_validate(
        {
            "monitors": [
                {
                    "name": "up-tcp",
                    "interval": "1h",
                    "tcp": {"host": "127.0.0.1", "port": target.port},
                },
                {
                    "name": "down-tcp",
                    "interval": "1h",
                    "tcp": {"host": "127.0.0.1", "port": free_port()},
                },
            ],
            "slos": [{"name": "tcp", "monitors": ["*-tcp"], "objective": 99.0}],
        }
    )
    store = open_store(f"sqlite:///{tmp_path}/w.db")
    app = App(cfg, store, flush_interval=0.1)
    book = UserBook(store.engine, CHEAP_HASHER)
    book.add_user("scraper", "a long enough password", Role.VIEWER)
    token, _ = book.create_token("scraper", "prometheus")
    try:
        async with serve_web(app, book) as port:
            await app.check_now(["up-tcp", "down-tcp"])
            yield Warden(app, port, token)
    finally:
        await target.stop()
        store.close()


@contextlib.asynccontextmanager
async def prometheus(
    tmp_path: Path, warden: Warden, rules: Path | None = None
) -> AsyncIterator[str]:
    """Prometheus scraping ``warden`` every second (evaluating ``rules`` every second);
    yields its base URL."""
    (tmp_path / "token").write_text(warden.token, encoding="utf-8")
    (tmp_path / "token").chmod(0o600)
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global:\n"
        "  scrape_interval: 1s\n"
        "  scrape_timeout: 1s\n"
        "  evaluation_interval: 1s\n"
        + (f"rule_files: ['{rules}']\n" if rules else "")
        + "scrape_configs:\n"
        "  - job_name: warden\n"
        "    metrics_path: /metrics\n"
        "    authorization:\n"
        "      type: Bearer\n"
        f"      credentials_file: '{tmp_path / 'token'}'\n"
        "    static_configs:\n"
        f"      - targets: ['127.0.0.1:{warden.port}']\n",
        encoding="utf-8",
    )
    port = free_port()
    log = (tmp_path / "prometheus.log").open("wb")
    proc = await asyncio.create_subprocess_exec(
        str(PROMETHEUS),
        f"--config.file={config}",
        f"--storage.tsdb.path={tmp_path / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--log.level=warn",
        stdout=log,
        stderr=log,
        cwd=tmp_path,
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        log.close()


async def query(client: httpx.AsyncClient, base: str, expr: str) -> list[dict[str, Any]]:
    """The instant vector of ``expr`` (empty while Prometheus is starting or has no data)."""
    try:
        r = await client.get(f"{base}/api/v1/query", params={"query": expr})
    except httpx.TransportError:
        return []
    if r.status_code != 200:
        return []
    result: list[dict[str, Any]] = r.json()["data"]["result"]
    return result


def values(vector: list[dict[str, Any]], label: str) -> dict[str, float]:
    return {s["metric"].get(label, ""): float(s["value"][1]) for s in vector}


async def test_prometheus_scrapes_warden_with_a_token(warden: Warden, tmp_path: Path) -> None:
    wanted = {"up-tcp": 1.0, "down-tcp": 0.0}
    got: dict[str, float] = {}
    async with prometheus(tmp_path, warden) as base, httpx.AsyncClient(timeout=2) as client:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT
        while loop.time() < deadline:
            got = values(await query(client, base, 'warden_monitor_up{job="warden"}'), "monitor")
            if got == wanted:
                break
            await asyncio.sleep(0.25)
        log = (tmp_path / "prometheus.log").read_text(encoding="utf-8", errors="replace")
        assert got == wanted, f"Prometheus saw {got}; its log:\n{log[-2000:]}"
        up = await query(client, base, 'up{job="warden"}')
        assert values(up, "instance") == {f"127.0.0.1:{warden.port}": 1.0}
        objective = await query(client, base, "warden_slo_objective_ratio")
        assert values(objective, "slo") == {"tcp": 0.99}
        checks = await query(client, base, 'warden_checks_total{job="warden"}')
        (scraped,) = [float(s["value"][1]) for s in checks]
        assert 1 <= scraped <= warden.app.stats.checks  # a check may run after the scrape
