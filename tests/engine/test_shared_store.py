"""Two ``warden up`` on one PostgreSQL store: each check runs once, pings count everywhere,
and a kill -9 of one instance hands its monitors to the other."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests._wait import wait_for
from tests.conftest import free_port
from warden.tables import open_store
from warden.web.users import Role, UserBook

pytestmark = pytest.mark.integration

INTERVAL = 2.0
MONITORS = [f"m{i}" for i in range(8)]
UP = [sys.executable, "-m", "warden.cli", "up"]


@pytest.fixture
def target() -> Iterator[int]:
    """A TCP port that accepts connections (what the monitors check)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def start(cfg: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [*UP, "-c", str(cfg), "--listen", f"127.0.0.1:{port}", "--log-level", "info"],
            cwd=cfg.parent,
            stdout=subprocess.DEVNULL,
            stderr=out,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )


def query(url: str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Rows of ``sql``; none while the instances have not created the tables yet."""
    try:
        with psycopg.connect(url) as conn:
            return conn.execute(sql, args).fetchall()
    except psycopg.errors.UndefinedTable:
        return []


def results(url: str, since: float = 0.0) -> dict[str, list[tuple[float, int]]]:
    rows = query(
        url,
        "SELECT m.name, r.ts, r.status FROM check_results r JOIN monitors m ON m.id = r.monitor_id"
        " WHERE r.ts >= %s ORDER BY r.ts",
        since,
    )
    out: dict[str, list[tuple[float, int]]] = {}
    for name, ts, status in rows:
        out.setdefault(name, []).append((ts, status))
    return out


def holders(url: str) -> dict[str, str]:
    """Who holds each monitor's lease now (by instance id)."""
    rows = query(
        url,
        "SELECT key, instance FROM work_leases"
        " WHERE expires > EXTRACT(EPOCH FROM clock_timestamp()) AND key LIKE 'monitor:%%'",
    )
    return {key.removeprefix("monitor:"): instance for key, instance in rows}


def api_token(url: str) -> str:
    """A viewer's API token, made in the store before the instances start."""
    store = open_store(url)
    try:
        book = UserBook(store.engine)
        book.add_user("viewer", "a long enough password", Role.VIEWER)
        token, _ = book.create_token("viewer", "test")
    finally:
        store.close()
    return token


def twice_in_one_interval(found: dict[str, list[tuple[float, int]]]) -> list[str]:
    """Monitors with two stored checks closer than half an interval (one ran twice)."""
    return [
        f"{name}: {a:.3f} and {b:.3f}"
        for name, rows in found.items()
        for (a, _), (b, _) in itertools.pairwise(rows)
        if b - a < INTERVAL / 2
    ]


def test_two_instances_share_checks_heartbeats_and_take_over(
    pg_database: str, target: int, tmp_path: Path
) -> None:
    tcp = f"tcp: {{host: 127.0.0.1, port: {target}}}"
    monitors = "".join(f"  - name: {n}\n    interval: {INTERVAL:g}s\n    {tcp}\n" for n in MONITORS)
    monitors += f"  - name: hb\n    interval: {INTERVAL:g}s\n    heartbeat: {{grace: 1s}}\n"
    cfg = tmp_path / "warden.yaml"
    cfg.write_text(f"store: {{url: '{pg_database}'}}\nengine: {{jitter: 0}}\nmonitors:\n{monitors}")
    ports = {"a": free_port(), "b": free_port()}
    logs = {name: tmp_path / f"{name}.log" for name in ports}
    procs: dict[str, subprocess.Popen[bytes]] = {}
    pids: dict[int, str] = {}

    def by_pid(instance: str) -> str:
        return pids[int(instance.split(":")[1])]

    def ping(name: str) -> None:
        with urllib.request.urlopen(f"http://127.0.0.1:{ports[name]}/ping/hb") as answer:
            assert answer.status == 200

    token = api_token(pg_database)

    def shown(name: str, monitor: str) -> dict[str, Any]:
        """The monitor as instance ``name``'s API shows it."""
        url = f"http://127.0.0.1:{ports[name]}/api/v1/monitors/{monitor}"
        answer = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        answer.raise_for_status()
        got: dict[str, Any] = answer.json()
        return got

    try:
        for name, port in ports.items():  # one after the other: b joins a running a
            procs[name] = start(cfg, port, logs[name])
            pids[procs[name].pid] = name
            wait_for(f"{name} up", lambda: "warden up:" in logs[name].read_text())  # noqa: B023
        both = time.time()
        wait_for(
            "three checks of every monitor with both instances live",
            lambda: all(len(results(pg_database, both).get(n, [])) >= 3 for n in MONITORS),
        )
        # each check runs once across the live instances
        assert twice_in_one_interval(results(pg_database)) == []

        # ... and both instances run a share of them
        def both_hold() -> dict[str, str] | None:
            h = holders(pg_database)
            return h if {by_pid(i) for i in h.values()} == {"a", "b"} else None

        shares = wait_for("both instances to hold monitors", both_hold)

        # a ping to the instance that does not run ``hb`` counts for the one that does
        runner = by_pid(shares["hb"])
        other = "b" if runner == "a" else "a"
        wait_for(
            "hb down before any ping",
            lambda: (r := results(pg_database).get("hb")) and r[-1][1] == 2,
        )
        wait_for(f"{other}'s API to show hb down", lambda: shown(other, "hb")["state"] == "down")
        first_ping = time.time()

        def pinged_and_up(checks: int) -> bool:
            ping(other)
            since = results(pg_database, first_ping + 1).get("hb", [])
            return len([s for _, s in since if s == 0]) >= checks

        wait_for(f"hb up in {runner}'s results after pings to {other}", lambda: pinged_and_up(1))
        wait_for("two more checks of hb while pinged", lambda: pinged_and_up(3))
        after = results(pg_database, first_ping + 1)["hb"]
        assert [s for _, s in after] == [0] * len(after)  # no instance stored "no ping"
        wait_for(f"{other}'s API to show hb up", lambda: shown(other, "hb")["state"] == "up")
        assert by_pid(holders(pg_database)["hb"]) == runner

        # kill -9 one instance: the survivor takes its monitors over within its lease
        victim, survivor = "a", "b"
        orphans = [n for n, i in shares.items() if by_pid(i) == victim]
        procs[victim].send_signal(signal.SIGKILL)
        procs[victim].wait(10)
        killed = time.time()
        wait_for(
            "two checks of every monitor after the kill",
            lambda: all(
                len(results(pg_database, killed).get(n, [])) >= 2 for n in [*MONITORS, "hb"]
            ),
        )
        assert {by_pid(i) for i in holders(pg_database).values()} == {survivor}
        for monitor in orphans:  # the survivor's API shows the checks it now runs
            assert shown(survivor, monitor)["last_check"] > killed
        assert orphans, shares
        assert twice_in_one_interval(results(pg_database)) == []
        assert procs[survivor].poll() is None
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
    for path in logs.values():
        text = path.read_text()
        assert "Traceback" not in text, text
