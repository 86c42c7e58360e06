"""Cross-checks with the running system: restore drills in the store, private databases that
answer on a non-loopback address the config names, certificates against the TLS monitors'
warning window, and the scheduled scans' samples."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from scan.conftest import BAD, CLEAN
from warden.backup import storage
from warden.backup.crypto import generate_key
from warden.backup.drill import DrillResult
from warden.config import parse_config
from warden.scan import ScanOptions, scan_path
from warden.scan.jobs import build_jobs
from warden.tables import open_store

OPTIONS = ScanOptions(kustomize="off", secrets=False)
DAY = 86400.0


def _config(tmp_path: Path, extra: str = "") -> Any:
    key = tmp_path / "k.key"
    key.write_text(generate_key() + "\n")
    key.chmod(0o600)
    (tmp_path / "data").mkdir(exist_ok=True)
    return parse_config(f"""
store:
  url: sqlite:///{tmp_path / "w.db"}
monitors:
  - name: shop-db
    postgres: {{url: "postgresql://warden@db.shop.example:5432/shop"}}
  - name: cache
    tcp: {{host: 127.0.0.1, port: 6379}}
  - name: site-cert
    tls: {{host: shop.example.com, warn_days: 45}}
backups:
  - name: shop-db
    key_file: {key}
    source: {{type: files, path: {tmp_path / "data"}}}
    repository: {{type: local, path: {tmp_path / "repo"}}}
{extra}""")


def _drill(store: Any, started: float, status: str) -> None:
    storage.record_drill(
        store.engine,
        DrillResult(
            "shop-db",
            f"d{started}",
            status,
            started,  # type: ignore[arg-type]
            started + 60,
        ),
    )


def _ids(report: Any) -> set[str]:
    return {f.id for f in report.findings if f.id.startswith("runtime.")}


def test_no_recent_passed_drill_is_a_finding(tmp_path: Path) -> None:
    config = _config(tmp_path)
    store = open_store(f"sqlite:///{tmp_path / 'w.db'}")
    try:
        now = time.time()
        _drill(store, now - 40 * DAY, "passed")
        _drill(store, now - 2 * DAY, "failed")
        report = scan_path(BAD, OPTIONS, config=config, store=store, connect=lambda *a: False)
        (f,) = [f for f in report.findings if f.id == "runtime.no_recent_drill"]
        assert "shop-db" in f.message
        assert "40 days ago" in f.message
        _drill(store, now - 1 * DAY, "passed")
        again = scan_path(BAD, OPTIONS, config=config, store=store, connect=lambda *a: False)
        assert "runtime.no_recent_drill" not in _ids(again)
    finally:
        store.close()


def test_backups_in_code_without_any_warden_backup(tmp_path: Path) -> None:
    config = parse_config("monitors: []\n")
    report = scan_path(BAD, OPTIONS, config=config, connect=lambda *a: False)
    found = [f for f in report.findings if f.id == "runtime.no_recent_drill"]
    assert {f.file for f in found} == {
        "terraform/modules/database/main.tf",
        "terraform/plan/production.plan.json",
    }


def test_a_private_database_answering_on_a_named_address(tmp_path: Path) -> None:
    config = _config(tmp_path)
    asked: list[tuple[str, int]] = []

    def connect(host: str, port: int, timeout: float) -> bool:
        asked.append((host, port))
        return True

    report = scan_path(CLEAN, OPTIONS, config=config, connect=connect)
    assert asked == [("db.shop.example", 5432)]  # loopback addresses are never probed
    found = [f for f in report.findings if f.id == "runtime.private_db_answers"]
    assert found
    assert all("db.shop.example:5432" in f.message for f in found)
    assert {f.file for f in found} >= {
        "terraform/modules/database/main.tf",
        "docker/docker-compose.yml",
    }
    quiet = scan_path(CLEAN, OPTIONS, config=config, connect=lambda *a: False)
    assert "runtime.private_db_answers" not in _ids(quiet)


def test_certificates_use_the_tls_monitors_warning_window(tmp_path: Path) -> None:
    config = _config(tmp_path)
    cert = tmp_path / "tree" / "shop.crt"
    cert.parent.mkdir()
    cert.write_bytes((CLEAN / "certs/shop.crt").read_bytes())
    expiry = scan_path(cert.parent, OPTIONS).findings
    assert expiry == []
    from warden.engine.clock import FakeClock

    late = FakeClock(start=4070908800.0 - 40 * DAY)  # 40 days before 2099-01-01
    found = scan_path(
        cert.parent, OPTIONS, config=config, clock=late, connect=lambda *a: False
    ).findings
    assert [(f.id, f.severity.label) for f in found] == [("cert.expiring", "high")]
    assert "< 45" in found[0].message


def test_without_a_config_the_report_says_runtime_checks_were_skipped() -> None:
    report = scan_path(CLEAN, OPTIONS)
    assert any("runtime cross-checks" in n for n in report.notes)


def test_a_scheduled_scan_writes_samples(tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        f"""scan:
  required_tags: [team]
  scheduled:
    - name: infra
      path: {BAD}
      fail_on: critical
""",
    )
    store = open_store(f"sqlite:///{tmp_path / 'w.db'}")
    try:
        (job,) = build_jobs(config, store)
        assert job.name == "scan:infra"
        assert job.cron == "0 5 * * *"
        outcome = asyncio.run(job.run())
        assert not outcome.ok
        assert "scan infra:" in outcome.message
        asyncio.run(job.run())
        rows = _samples(store)
    finally:
        store.close()
    assert rows["scan_up"] == 1.0
    assert rows["scan_findings|critical"] > 0
    assert rows["scan_new_findings"] == 0.0  # the second run finds nothing new


def _samples(store: Any) -> dict[str, float]:
    out: dict[str, float] = {}
    for name in ("scan_up", "scan_findings", "scan_new_findings"):
        for series in store.sample_points(name, 0, 2e10):
            sev = series.labels.get("severity")
            out[name + (f"|{sev}" if sev else "")] = series.points[-1][1]
    return out


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_loopback_is_recognised(host: str) -> None:
    from warden.scan._runtime import loopback

    assert loopback(host)
