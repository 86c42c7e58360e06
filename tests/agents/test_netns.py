"""Three probe agents in three network namespaces, each behind its own veth and netem delay,
reporting to a ``warden up`` on this host that judges one monitor by majority.

Cutting one location off makes it unknown and raises its agent's own alert, and the monitor is
never down; once back, the agent replays what it measured meanwhile, once. Taking the target
down makes the monitor down once, with one notification.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests._wait import wait_for
from tests.agents._netns import Lab, NetnsUnavailable
from tests.conftest import free_port
from tests.ha._http import Sink, Target
from warden.agents.repository import AgentRepository
from warden.tables import open_store
from warden.web.users import Role, UserBook

pytestmark = pytest.mark.integration
NAMES = ["paris", "ohio", "tokyo"]
DELAYS = [20, 40, 60]
SEALED = re.compile(r"sealed batch (\S+) \((\d+) results\)")


@pytest.fixture
def lab() -> Iterator[Lab]:
    made = Lab()
    try:
        yield made.setup(NAMES, DELAYS)
    except NetnsUnavailable as exc:
        pytest.skip(f"network namespaces: {exc}")
    finally:
        assert made.teardown() == []


def write_config(path: Path, db: Path, target: Target, sink: Sink) -> None:
    path.write_text(
        f"store: {{url: 'sqlite:///{db}'}}\n"
        "engine: {jitter: 0}\n"
        "agents: {silent_after: 6s}\n"
        "alerting: {builtin_rules: false, evaluation_interval: 1s}\n"
        "monitors:\n"
        f"  - {{name: shop, interval: 2s, timeout: 1s, http: {{url: '{target.url('shop')}'}},\n"
        f"     locations: [{', '.join(NAMES)}], quorum: majority}}\n"
        "alerts:\n"  # every monitor: shop, and agent-<location> that the server adds
        "  - {name: Down, state: {}, for: 0s, severity: medium}\n"
        f"receivers:\n  - {{name: ops, webhook: [{{url: '{sink.url}'}}]}}\n"
        "routes:\n  - {receiver: ops, group_by: [alertname, monitor], group_wait: 0s}\n"
    )


def alerts(sink: Sink) -> list[tuple[str, str, str]]:
    """(status, alertname, monitor) of every notification, in order."""
    out = []
    for _, body in list(sink.received):
        for a in body.get("alerts", []):
            labels = a.get("labels", {})
            out.append(
                (a.get("status", ""), labels.get("alertname", ""), labels.get("monitor", ""))
            )
    return out


def shop_statuses(db: Path) -> list[int]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT r.status FROM check_results r JOIN monitors m ON m.id = r.monitor_id"
            " WHERE m.name = 'shop' ORDER BY r.ts"
        ).fetchall()
    return [int(s) for (s,) in rows]


def test_three_locations_cut_one_off_then_take_the_target_down(lab: Lab, tmp_path: Path) -> None:
    target = Target(lab.gateway)
    if not lab.netem:  # no netem in this kernel: the target holds each location back instead
        print("\nthis kernel has no netem qdisc: the target delays each location's answers")
        target.delays = {loc.address: loc.delay_ms / 1000 for loc in lab.locations}
    target.start()
    sink = Sink()
    sink.start()
    db = tmp_path / "w.db"
    cfg = tmp_path / "warden.yaml"
    write_config(cfg, db, target, sink)
    store = open_store(f"sqlite:///{db}")
    try:
        repo = AgentRepository(store.engine)
        tokens = {
            loc.name: repo.create_token(loc.name, "test", time.time()) for loc in lab.locations
        }
        book = UserBook(store.engine)
        book.add_user("viewer", "a long enough password", Role.VIEWER)
        viewer, _ = book.create_token("viewer", "test")
    finally:
        store.close()
    port = free_port()
    server = f"http://{lab.gateway}:{port}"
    procs: dict[str, subprocess.Popen[bytes]] = {}
    logs = {name: tmp_path / f"{name}.log" for name in ["server", *NAMES]}
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}

    def text(name: str) -> str:
        return logs[name].read_text(errors="replace")

    def api(path: str) -> Any:
        got = httpx.get(
            f"{server}{path}", headers={"Authorization": f"Bearer {viewer}"}, timeout=10
        )
        got.raise_for_status()
        return got.json()

    def located() -> dict[str, Any]:
        doc = api("/api/v1/agents/monitors/shop")
        return {**doc, "by": {x["location"]: x for x in doc["locations"]}}

    try:
        with logs["server"].open("wb") as out:
            procs["server"] = subprocess.Popen(
                [sys.executable, "-m", "warden.cli", "up", "-c", str(cfg),
                 "--listen", f"{lab.gateway}:{port}", "--log-level", "info"],
                cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=out, env=env,
            )  # fmt: skip
        wait_for("the server", lambda: "warden up:" in text("server"))
        for loc in lab.locations:
            token_file = tmp_path / f"{loc.name}.token"
            token_file.write_text(tokens[loc.name])
            with logs[loc.name].open("wb") as out:
                procs[loc.name] = subprocess.Popen(
                    ["ip", "netns", "exec", loc.netns, sys.executable, "-m", "warden.cli",
                     "agent", "--server", server, "--token-file", str(token_file),
                     "--location", loc.name, "--spool", str(tmp_path / f"spool-{loc.name}"),
                     "--push-interval", "1s", "--log-level", "debug"],
                    stdout=subprocess.DEVNULL, stderr=out, env=env,
                )  # fmt: skip

        # every location reports; each one's latency includes its own netem delay
        up = wait_for(
            "shop up in three locations",
            lambda: (v := located())["state"] == "up" and v["known"] == 3 and v,
        )
        for loc in lab.locations:
            assert up["by"][loc.name]["latency_ms"] >= loc.delay_ms, up
        wait_for("shop up", lambda: api("/api/v1/monitors/shop")["state"] == "up")

        # cut tokyo off: it goes unknown, its agent's own alert fires, shop is never down
        tokyo = lab.locations[2]
        lab.cut(tokyo)
        before = len(alerts(sink))
        wait_for("tokyo unknown", lambda: located()["by"]["tokyo"]["state"] == "unknown")
        wait_for(
            "the agent's alert",
            lambda: ("firing", "Down", "agent-tokyo") in alerts(sink)[before:],
        )
        cut_at = len(shop_statuses(db))
        wait_for("three checks of shop without tokyo", lambda: len(shop_statuses(db)) >= cut_at + 3)
        assert located()["state"] == "up"
        assert api("/api/v1/monitors/shop")["state"] == "up"
        lab.restore(tokyo)
        wait_for("tokyo back", lambda: located()["by"]["tokyo"]["state"] == "up", timeout=120)
        wait_for(
            "the agent's alert resolved",
            lambda: ("resolved", "Down", "agent-tokyo") in alerts(sink)[before:],
        )
        assert 2 not in shop_statuses(db)  # never down while a location was cut off
        assert not [a for a in alerts(sink) if a[2] == "shop"]

        # take the target down: every location sees it, the majority confirms it, once
        target.failing.add("shop")
        wait_for("shop down", lambda: api("/api/v1/monitors/shop")["state"] == "down")
        wait_for("the notification", lambda: ("firing", "Down", "shop") in alerts(sink))
        down_at = len(shop_statuses(db))
        wait_for("three more checks of shop", lambda: len(shop_statuses(db)) >= down_at + 3)
        assert [a for a in alerts(sink) if a[2] == "shop"] == [("firing", "Down", "shop")]
        statuses = shop_statuses(db)
        first_down = statuses.index(2)
        assert set(statuses[first_down:]) == {2}  # down once, and stayed down
        assert located()["state"] == "down"
        assert {x["state"] for x in located()["locations"]} == {"down"}
    except BaseException:
        for name, path in logs.items():  # what each process said, for the failure report
            print(f"--- {name}\n{text(name)[-4000:] if path.exists() else ''}")
        raise
    finally:
        for name in NAMES:
            if name in procs and procs[name].poll() is None:
                procs[name].send_signal(signal.SIGTERM)
        for name in NAMES:
            if name in procs:
                try:
                    procs[name].wait(30)
                except subprocess.TimeoutExpired:
                    procs[name].kill()
                    procs[name].wait(10)
        if "server" in procs:
            procs["server"].send_signal(signal.SIGTERM)
            try:
                procs["server"].wait(30)
            except subprocess.TimeoutExpired:
                procs["server"].kill()
                procs["server"].wait(10)
        target.stop()
        sink.stop()

    # what tokyo measured while cut off was replayed: every batch it sealed is stored, once
    store = open_store(f"sqlite:///{db}")
    try:
        with store.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT b.batch_id, b.results, count(r.id) FROM agent_batches b"
                " LEFT JOIN agent_results r ON r.batch_id = b.batch_id"
                " WHERE b.location = 'tokyo' GROUP BY b.batch_id, b.results"
            ).all()
            dupes = conn.exec_driver_sql(
                "SELECT count(*) FROM (SELECT monitor, ts FROM agent_results"
                " WHERE location = 'tokyo' GROUP BY monitor, ts HAVING count(*) > 1) d"
            ).scalar_one()
    finally:
        store.close()
    sealed = dict(SEALED.findall(text("tokyo")))
    stored = {b: (n, got) for b, n, got in rows}
    assert sealed
    assert set(sealed) == set(stored)
    assert all(int(sealed[b]) == n == got for b, (n, got) in stored.items())
    assert dupes == 0
    assert "0 left on disk" in text("tokyo")
    for name in logs:
        assert "Traceback" not in text(name), text(name)
