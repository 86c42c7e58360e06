"""``traffic top`` from the store: what the access log collector stored over several intervals
gives the same counts as reading the log directly, and percentiles within the stored
histogram's precision; the CLI without --log and the API answer the same."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from warden.cli.main import app as cli
from warden.collectors.access_log import AccessLogCollector, AccessLogConfig
from warden.engine.clock import FakeClock
from warden.store import SqlStore
from warden.tables import open_store
from warden.traffic.top import top_from_log, top_from_store

GROWTH = 10 ** (1 / 8)  # one stored bucket


def _line(path: str, status: int, rt: float) -> str:
    return (
        f'1.2.3.4 - - [04/Dec/2026:10:00:00 +0000] "GET {path} HTTP/1.1" {status} 10 "-" "t" '
        f"{rt:.3f}\n"
    )


async def _fill(tmp_path: Path, store: SqlStore, clock: FakeClock) -> tuple[Path, list[float]]:
    """Five 15-second intervals of traffic through the collector into ``store``."""
    log = tmp_path / "access.log"
    log.write_text("")
    c = AccessLogCollector("shop", AccessLogConfig(path=log, state_dir=tmp_path / "state"), clock)
    store.write(samples=await c.collect())
    rng = random.Random(3)
    slow: list[float] = []
    for interval in range(5):
        with log.open("a") as f:
            for i in range(200):
                rt = round(rng.uniform(0.05, 0.8), 3)
                slow.append(rt)
                f.write(_line(f"/orders/{i}", 500 if i % 40 == interval else 200, rt))
                f.write(_line("/health", 200, 0.002))
            f.write("garbage\n")
        clock.advance(15)
        store.write(samples=await c.collect())
    await c.close()
    return log, slow


async def test_stored_history_matches_the_log(tmp_path: Path) -> None:
    clock = FakeClock()
    store = open_store(f"sqlite:///{tmp_path}/w.db")
    start = clock.time()
    log, slow = await _fill(tmp_path, store, clock)
    data = top_from_store(store, start, clock.time() + 1)
    direct = top_from_log(log, "nginx")
    assert data["schema"] == direct["schema"]
    assert set(data) == set(direct)
    assert set(data["routes"][0]) == set(direct["routes"][0])
    assert (
        (data["requests"], data["errors"])
        == (direct["requests"], direct["errors"])
        == (
            2000,
            25,
        )
    )
    assert data["bad_lines"] == 5
    orders = next(r for r in data["routes"] if r["route"] == "/orders/:id")
    assert orders["service"] == "shop"
    assert orders["requests"] == 1000
    assert orders["errors"] == 25
    exact = sorted(slow)[math.ceil(0.95 * len(slow)) - 1] * 1000
    # interpolated inside a bucket 33 % wide, the log bucket mapped to it 10 % at most
    assert exact / (GROWTH * 1.1) <= orders["p95_ms"] <= exact * GROWTH * 1.1
    assert data["routes"][0]["route"] == "/orders/:id"  # the slowest first
    only_health = top_from_store(store, start, clock.time() + 1, sort="rate", limit=1)
    assert len(only_health["routes"]) == 1
    assert top_from_store(store, start, clock.time() + 1, service="other")["routes"] == []
    with pytest.raises(ValueError, match="sort must be one of"):
        top_from_store(store, start, clock.time(), sort="slowest")
    store.close()


async def test_cli_without_log_reads_the_store(tmp_path: Path) -> None:
    clock = FakeClock()
    db = tmp_path / "w.db"
    store = open_store(f"sqlite:///{db}")
    start = clock.time()
    await _fill(tmp_path, store, clock)
    store.close()
    config = tmp_path / "warden.yaml"
    config.write_text(f'store:\n  url: "sqlite:///{db}"\n', encoding="utf-8")
    args = ["traffic", "top", "-c", str(config), "--since", str(start), "--until"]
    res = CliRunner().invoke(cli, [*args, str(clock.time() + 1), "--json"])
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["source"] == "store"
    assert doc["requests"] == 2000
    table = CliRunner().invoke(cli, [*args, str(clock.time() + 1)])
    assert table.exit_code == 0, table.stderr
    assert "/orders/:id" in table.stdout
    assert "shop" in table.stdout
    empty = CliRunner().invoke(cli, ["traffic", "top", "-c", str(config), "--since", "1m"])
    assert empty.exit_code == 0
    assert "No stored traffic in this window" in empty.stdout
    bad = CliRunner().invoke(cli, ["traffic", "top", "-c", str(config), "--since", "soon"])
    assert bad.exit_code == 2
    assert "--since" in bad.stderr
