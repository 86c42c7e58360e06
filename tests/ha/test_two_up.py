"""High availability: two ``warden up`` on one PostgreSQL store, and a kill -9 of the leader
in the middle of an outage.

The test runs the monitored HTTP target and the webhook sink itself. It proves what
alerting/leader.py and engine/sharing.py promise: the live instances split the monitors (each
check runs once per interval, counted at the target), one instance evaluates alerts and
notifies, the other takes over as soon as the leader's database session is gone (before the
dead instance's monitors even change hands), and the outage gives exactly one firing and one
resolved notification at the sink. Both instances answer /healthz and the API meanwhile.
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests._wait import wait_for
from tests.conftest import free_port
from tests.ha._http import Sink, Target
from warden.tables import open_store
from warden.web.users import Role, UserBook

pytestmark = pytest.mark.integration

INTERVAL = 2.0
MONITORS = ["api", *(f"web{i}" for i in range(11))]  # all on one instance: p = 2**-11
LEADER = "this instance now evaluates alerts"


@pytest.fixture
def target() -> Iterator[Target]:
    server = Target()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def sink() -> Iterator[Sink]:
    server = Sink()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def write_config(path: Path, store: str, target: Target, sink: Sink) -> None:
    monitors = "".join(
        f"  - name: {n}\n    interval: {INTERVAL:g}s\n    timeout: 1s\n"
        f"    http: {{url: '{target.url(n)}'}}\n"
        for n in MONITORS
    )
    path.write_text(
        f"store: {{url: '{store}'}}\n"
        "engine: {jitter: 0}\n"
        "alerting: {builtin_rules: false, evaluation_interval: 1s}\n"
        f"monitors:\n{monitors}"
        "alerts:\n"
        "  - {name: ApiDown, state: {monitors: [api]}, for: 0s, severity: medium,\n"
        "     summary: '{monitor} is down'}\n"
        f"receivers:\n  - {{name: ops, webhook: [{{url: '{sink.url}'}}]}}\n"
        "routes:\n  - {receiver: ops, group_by: [alertname, monitor], group_wait: 0s}\n"
    )


def start(cfg: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "warden.cli", "up", "-c", str(cfg),
             "--listen", f"127.0.0.1:{port}", "--log-level", "info"],
            cwd=cfg.parent, stdout=subprocess.DEVNULL, stderr=out,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    try:
        with psycopg.connect(url) as conn:
            return conn.execute(sql).fetchall()  # type: ignore[arg-type]
    except psycopg.errors.UndefinedTable:
        return []


def api_token(url: str) -> str:
    store = open_store(url)
    try:
        book = UserBook(store.engine)
        book.add_user("viewer", "a long enough password", Role.VIEWER)
        token, _ = book.create_token("viewer", "ha test")
    finally:
        store.close()
    return token


def doubled(times: list[float]) -> list[str]:
    """Consecutive checks of one monitor closer than half an interval (one ran twice)."""
    return [f"{a:.3f} and {b:.3f}" for a, b in itertools.pairwise(times) if b - a < INTERVAL / 2]


def logged_at(log: str, pattern: str) -> float | None:
    """The time of the first log line matching ``pattern`` (the logger's asctime)."""
    for line in log.splitlines():
        if re.search(pattern, line):
            stamp = line[:23]
            return datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp()
    return None


def test_two_instances_survive_a_kill_9_of_the_leader_mid_outage(
    pg_database: str, target: Target, sink: Sink, tmp_path: Path
) -> None:
    cfg = tmp_path / "warden.yaml"
    write_config(cfg, pg_database, target, sink)
    token = api_token(pg_database)
    ports = {"a": free_port(), "b": free_port()}
    logs = {name: tmp_path / f"{name}.log" for name in ports}
    procs: dict[str, subprocess.Popen[bytes]] = {}

    def text(name: str) -> str:
        return logs[name].read_text(errors="replace")

    def answers(name: str) -> bool:
        base = f"http://127.0.0.1:{ports[name]}"
        health = httpx.get(f"{base}/healthz", timeout=10)
        api = httpx.get(
            f"{base}/api/v1/monitors", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        names = {m["name"] for m in api.json()["monitors"]} if api.status_code == 200 else set()
        return health.status_code == 200 and set(MONITORS) <= names

    try:
        for name, port in ports.items():  # a first: it takes the evaluator lock
            procs[name] = start(cfg, port, logs[name])
            wait_for(f"{name} up", lambda: "warden up:" in text(name))  # noqa: B023
        leader = wait_for("a leader", lambda: next((n for n in ports if LEADER in text(n)), None))
        survivor = "b" if leader == "a" else "a"
        assert LEADER not in text(survivor)

        def holders() -> set[str]:
            rows = query(pg_database, "SELECT instance FROM work_leases WHERE key LIKE 'monitor:%'")
            return {i for (i,) in rows}

        wait_for("the live instances to split the monitors", lambda: len(holders()) == 2)
        assert answers("a")
        assert answers("b")

        # an outage of api: one firing notification, delivered and recorded as sent
        target.failing.add("api")
        wait_for("the firing notification", lambda: sink.statuses() == ["firing"])
        wait_for(
            "the firing notification marked sent",
            lambda: query(pg_database, "SELECT state FROM notifications") == [("sent",)],
        )

        # kill -9 the leader mid-outage
        procs[leader].send_signal(signal.SIGKILL)
        procs[leader].wait(10)
        killed = time.time()
        took = wait_for(f"{survivor} to take over", lambda: logged_at(text(survivor), LEADER))
        print(f"\nthe survivor evaluates alerts {took - killed:.2f}s after the kill")
        # at once, not after the 15 s lease that hands over the dead instance's monitors
        alone = wait_for(
            f"{survivor} to run every monitor",
            lambda: logged_at(text(survivor), r"live instances: 1; .* runs (\d+) of \1 work"),
        )
        assert took < alone
        wait_for(
            f"api checked by {survivor}",
            lambda: [t for t in target.times("api") if t > alone + INTERVAL],
        )
        assert sink.statuses() == ["firing"]  # nothing re-sent by the new leader

        target.failing.discard("api")
        wait_for("the resolved notification", lambda: len(sink.received) >= 2)
        recovered = time.time()
        wait_for(
            "three more checks of every monitor",
            lambda: all(len([t for t in target.times(n) if t > recovered]) >= 3 for n in MONITORS),
        )
        assert sink.statuses() == ["firing", "resolved"]
        keys = [key for key, _ in sink.received]
        assert len(set(keys)) == 2
        assert all(keys)
        for name in MONITORS:
            assert doubled(target.times(name)) == [], name
        assert answers(survivor)
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
    for name in ports:
        assert "Traceback" not in text(name), text(name)
