"""The daily report on a generated week: an outage, a slow day, a missed backup, a drill,
alerts, incidents and a CPU peak. Every reported number is checked against a computation of
its own here, from the same generated data; sections without data say how to get it."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from warden.alerting.model import Alert, AlertState
from warden.alerting.storage import AlertRepository
from warden.backup import storage as backups
from warden.backup.drill import DrillResult
from warden.backup.runner import BackupRun
from warden.cli.main import app as cli
from warden.config.schema import build_model
from warden.engine.app import monitor_info
from warden.incidents.storage import IncidentRepository
from warden.reports import render
from warden.reports.daily import daily_report
from warden.results import CheckResult, Sample, Status
from warden.store import SqlStore
from warden.tables import open_store

NOW = 1_764_892_800.0 + 10 * 3600 + 30  # 2025-12-05 10:00:30 UTC
DAY, MIN = 86400.0, 60.0
OUTAGE = (NOW - 5 * 3600, NOW - 5 * 3600 + 30 * MIN)  # api down for 30 minutes, 5 h ago


def config(tmp_path: Path) -> Any:
    return build_model().model_validate(
        {
            "store": {"url": f"sqlite:///{tmp_path}/w.db"},
            "monitors": [
                {"name": n, "interval": "1m", "tcp": {"host": "127.0.0.1", "port": 9}}
                for n in ("api", "web")
            ],
            "slos": [{"name": "api", "monitors": ["api"], "objective": 99.9, "window": "7d"}],
            "backups": [{
                "name": "db", "key_env": "WARDEN_TEST_KEY", "schedule": "0 3 * * *",
                "source": {"type": "files", "path": str(tmp_path)},
                "repository": {"type": "local", "path": str(tmp_path / "repo")},
                "rpo": "1d", "rto": "1h", "drill": {"scratch": str(tmp_path / "scratch")},
            }],
        }
    )  # fmt: skip


def week() -> list[CheckResult]:
    """One check a minute of api and web for seven days; api down during OUTAGE; web slow
    (0.4 s) over the last day, 0.1 s before."""
    out = []
    for i in range(7 * 1440):
        t = NOW - 7 * DAY + i * MIN
        down = OUTAGE[0] <= t < OUTAGE[1]
        out.append(CheckResult("api", Status.DOWN if down else Status.UP, 0.02 + (i % 5) / 1000, t))
        out.append(CheckResult("web", Status.UP, 0.4 if t >= NOW - DAY else 0.1, t))
    return out


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[SqlStore, Any, list[CheckResult]]]:
    cfg = config(tmp_path)
    store = open_store(f"sqlite:///{tmp_path}/w.db")
    store.sync_monitors([monitor_info(m) for m in cfg.monitors])
    checks = week()
    store.write(checks)
    store.write(samples=[
        Sample("host_cpu_percent", {"cpu": "total", "host": "h"}, 95.0 if i == 30 else 20.0,
               NOW - DAY + i * 600)
        for i in range(144)
    ])  # fmt: skip
    alerts = AlertRepository(store.engine)
    alerts.save_alerts([
        Alert("f1", "MonitorDown", "high", AlertState.RESOLVED, {"monitor": "api"}, {},
              starts_at=OUTAGE[0] + 60, ends_at=OUTAGE[1]),
        Alert("f2", "DiskFullIn24h", "medium", AlertState.FIRING, {"mount": "/"}, {},
              starts_at=NOW - 3600),
        Alert("f3", "MonitorDown", "high", AlertState.RESOLVED, {"monitor": "web"}, {},
              starts_at=NOW - 3 * DAY, ends_at=NOW - 3 * DAY + 600),  # before the day
    ])  # fmt: skip
    incidents = IncidentRepository(store.engine)
    done = incidents.open("g1", "api down", "high", OUTAGE[0] + 60, "alert")
    incidents.resolve(done.id, "warden", OUTAGE[1] + 60)
    incidents.open("g2", "disk filling", "medium", NOW - 3600, "alert")
    for d in range(1, 7):  # nightly at 03:00, the last one (this morning) missed
        start = math.floor((NOW - d * DAY) / DAY) * DAY + 3 * 3600
        backups.record_run(
            store.engine, BackupRun("db", f"r{d}", "complete", start, start + 60, 60)
        )
    backups.record_drill(store.engine, DrillResult("db", "d1", "passed", NOW - 3 * DAY,
                                                   NOW - 3 * DAY + 120))  # fmt: skip
    yield store, cfg, checks
    store.close()


def test_every_number_matches_an_independent_count(
    setup: tuple[SqlStore, Any, list[CheckResult]],
) -> None:
    store, cfg, checks = setup
    got = daily_report(store, cfg, NOW - DAY, NOW)
    s = got["sections"]
    assert got["schema"] == "warden.report.daily/v1"
    # alerts: f1 fired and resolved in the day, f2 fired and still firing, f3 is older
    assert (s["alerts"]["fired"], s["alerts"]["resolved"]) == (2, 1)
    assert [a["rule"] for a in s["alerts"]["firing_now"]] == ["DiskFullIn24h"]
    assert s["alerts"]["status"] == "attention"
    # monitors: api's availability is its up checks over its checks in the day
    day = [c for c in checks if NOW - DAY <= c.time < NOW]
    api = [c for c in day if c.monitor == "api"]
    want = sum(c.status is not Status.DOWN for c in api) / len(api)
    least = s["monitors"]["least_available"][0]
    assert least["monitor"] == "api"
    assert least["availability"] == pytest.approx(want)
    assert least["checks"] == len(api) == 1440
    # web's p95: the nearest-rank p95 of its latencies in the day, and the day before
    web = sorted(c.latency for c in day if c.monitor == "web")
    slowest = s["monitors"]["slowest"][0]
    assert slowest["monitor"] == "web"
    assert slowest["p95_ms"] == pytest.approx(web[math.ceil(0.95 * len(web)) - 1] * 1000)
    assert slowest["p95_ms_before"] == pytest.approx(100.0)
    assert s["monitors"]["biggest_changes"][0]["monitor"] == "web"  # 4x slower
    # SLO: bad checks of the day over what the 7-day window allows
    window = [c for c in checks if c.monitor == "api" and NOW - 7 * DAY <= c.time < NOW]
    bad = sum(c.status is Status.DOWN for c in api)
    (slo,) = s["slos"]["slos"]
    assert slo["budget_burned"] == pytest.approx(bad / (len(window) * 0.001))
    # backups: last success yesterday 03:00, this morning's run missed, the drill passed
    (db,) = s["backups"]["backups"]
    yesterday_3am = math.floor((NOW - DAY) / DAY) * DAY + 3 * 3600
    assert db["last_success"] == _iso(yesterday_3am + 60)
    assert (db["expected"], db["runs"], db["missed"]) == (1, 0, 1)
    assert db["last_drill_passed"] == _iso(NOW - 3 * DAY + 120)
    assert s["backups"]["status"] == "attention"
    # resources: the CPU peak and when
    (cpu,) = [r for r in s["resources"]["peaks"] if r["resource"] == "cpu"]
    assert cpu["peak_percent"] == 95.0
    assert cpu["at"] == _iso(NOW - DAY + 30 * 600)
    # incidents: two opened in the day, the outage's closed, the disk's still open
    assert (s["incidents"]["opened"], s["incidents"]["closed"]) == (2, 1)
    assert [i["title"] for i in s["incidents"]["open"]] == ["disk filling"]
    # no audits configured: no data, with the way to get it, and never "ok"
    assert s["audits"]["status"] == "no data"
    assert "audits:" in s["audits"]["how"]
    assert got["status"] == "attention"


def test_renderings_and_cli(setup: tuple[SqlStore, Any, list[CheckResult]], tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    store, cfg, _ = setup
    data = daily_report(store, cfg, NOW - DAY, NOW)
    md = render.markdown(data)
    assert "## [!] Backups and drills" in md
    assert "No data: add an `audits:` section" in md
    assert "| api |" in md
    chat = render.compact(data)
    assert len(chat.splitlines()) == 1 + len(data["sections"])
    page = render.html(data)
    assert "<table>" in page
    assert "Daily check: attention" in page
    monkeypatch.setattr("time.time", lambda: NOW)
    path = tmp_path / "warden.yaml"
    path.write_text(f'store:\n  url: "{store.engine.url}"\n', encoding="utf-8")
    res = CliRunner().invoke(cli, ["report", "daily", "-c", str(path), "--json"])
    assert res.exit_code == 1, res.stderr  # attention: an alert is firing
    doc = json.loads(res.stdout)
    assert doc["sections"]["alerts"]["fired"] == 2
    assert doc["sections"]["monitors"]["status"] == "no data"  # this config has no monitors
    out = tmp_path / "daily.html"
    res = CliRunner().invoke(cli, ["report", "daily", "-c", str(path), "--format", "html",
                                   "-o", str(out)])  # fmt: skip
    assert out.read_text().startswith("<!doctype html>") or "<html" in out.read_text()


def _iso(ts: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="seconds")
