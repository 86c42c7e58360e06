"""The reliability ladder and DR tiers: each level from what the config and the store show,
declared claims marked as such, never a level skipped, and the next step named."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from warden.backup import storage as backups
from warden.backup.drill import DrillResult
from warden.backup.runner import BackupRun
from warden.cli.main import app as cli
from warden.config.schema import build_model
from warden.reports.ladder import ladder
from warden.store import SqlStore
from warden.tables import open_store

NOW = 1_764_936_000.0
DAY = 86400.0


def config(tmp_path: Path, **over: Any) -> Any:
    base: dict[str, Any] = {
        "store": {"url": f"sqlite:///{tmp_path}/w.db"},
        "monitors": [{"name": "api", "tcp": {"host": "127.0.0.1", "port": 9}}],
        "backups": [{
            "name": "db", "key_env": "WARDEN_TEST_KEY", "schedule": "0 3 * * *",
            "source": {"type": "postgres", "url": "postgresql://app@127.0.0.1/app"},
            "repository": {"type": "local", "path": str(tmp_path / "repo")},
            "retention": {"daily": 7}, "rpo": "1d", "rto": "1h",
            "drill": {"scratch": str(tmp_path / "s"), "schedule": "0 5 * * 0"},
        }],
        "scaling": [{"name": "web", "min": 2, "max": 4,
                     "command": {"argv": [sys.executable, "-c", "pass", "{size}"]}}],
        "ladder": {"claims": ["automated_deploys"]},
    }  # fmt: skip
    return build_model().model_validate({**base, **over})


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    s = open_store(f"sqlite:///{tmp_path}/w.db")
    yield s
    s.close()


def _levels(got: dict[str, Any]) -> dict[int, dict[str, bool]]:
    return {lv["level"]: {r["requirement"]: r["met"] for r in lv["requirements"]}
            for lv in got["levels"]}  # fmt: skip


def test_level_two_with_evidence_and_three_not_skipped(store: SqlStore, tmp_path: Path) -> None:
    backups.record_run(store.engine, BackupRun("db", "r1", "complete", NOW - 3600, NOW - 3000, 600))
    backups.record_drill(store.engine, DrillResult("db", "d1", "passed", NOW - 2 * DAY,
                                                   NOW - 2 * DAY + 60))  # fmt: skip
    got = ladder(store, config(tmp_path), NOW)
    levels = _levels(got)
    assert got["level"] == 2
    assert all(levels[1].values())
    assert all(levels[2].values())
    # level 4's drills and self-healing are met, but 3 is not: the level stays 2
    assert levels[4]["regular failure drills"] is True
    assert levels[4]["self-healing"] is True
    assert levels[3]["multi-region"] is False
    (deploys,) = [r for r in got["levels"][0]["requirements"]
                  if r["requirement"] == "automated deploys"]  # fmt: skip
    assert deploys["declared"] is True
    assert got["next_level"] == 3
    assert "level 2 is what most teams need" in got["advice"]
    (db,) = got["databases"]
    assert (db["backup"], db["engine"], db["tier"]) == ("db", "postgres", 1)
    assert db["next"].startswith("tier 2: PITR over 35 days")


def test_without_a_recent_backup_or_health_checks(store: SqlStore, tmp_path: Path) -> None:
    backups.record_run(store.engine, BackupRun("db", "r0", "complete", NOW - 9 * DAY,
                                               NOW - 9 * DAY + 60, 60))  # fmt: skip
    got = ladder(store, config(tmp_path, monitors=[]), NOW)
    assert got["level"] == 0
    assert "add HTTP or TCP monitors" in got["advice"]
    assert _levels(got)[2]["database backups"] is False  # 9 days old
    assert got["databases"][0]["tier"] == 0


def test_cli_json(store: SqlStore, tmp_path: Path) -> None:
    path = tmp_path / "warden.yaml"
    path.write_text(f'store:\n  url: "{store.engine.url}"\nladder:\n  claims: [multi_region]\n')
    res = CliRunner().invoke(cli, ["ladder", "-c", str(path), "--json"])
    assert res.exit_code == 0, res.stderr
    doc = __import__("json").loads(res.stdout)
    assert doc["schema"] == "warden.ladder/v1"
    assert doc["level"] == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("ladder:\n  claims: [we_are_fine]\n")
    assert CliRunner().invoke(cli, ["validate", str(bad)]).exit_code != 0


def test_a_passed_game_day_counts_as_a_failure_drill(store: SqlStore, tmp_path: Path) -> None:
    from warden.gameday.storage import save

    cfg = config(tmp_path, backups=[])
    assert _levels(ladder(store, cfg, NOW))[4]["regular failure drills"] is False
    card = {"plan": "db failover", "started": NOW - 5 * DAY, "finished": NOW - 5 * DAY + 300,
            "score": 100, "passed": True, "lines": []}  # fmt: skip
    save(store.engine, card)
    save(store.engine, {**card, "plan": "old one", "started": NOW - 120 * DAY})
    got = ladder(store, cfg, NOW)
    (drills,) = [r for r in got["levels"][3]["requirements"]
                 if r["requirement"] == "regular failure drills"]  # fmt: skip
    assert drills["met"] is True
    assert drills["evidence"] == "game days passed in the last 90 days: db failover"


def test_deploy_markers_are_the_evidence_of_automated_deploys(
    store: SqlStore, tmp_path: Path
) -> None:
    from warden.deploys.markers import mark

    cfg = config(tmp_path, ladder={"claims": []})

    def deploys() -> dict[str, Any]:
        (req,) = [r for r in ladder(store, cfg, NOW)["levels"][0]["requirements"]
                  if r["requirement"] == "automated deploys"]  # fmt: skip
        return req

    assert deploys()["met"] is False
    assert "POST /api/v1/deploys" in deploys()["next"]
    mark(store.engine, "shop", "v1", NOW - 40 * DAY)
    assert deploys()["met"] is False  # too old
    mark(store.engine, "shop", "v2", NOW - 2 * DAY)
    assert deploys()["met"] is True
    assert deploys()["evidence"] == "deploy markers in the last 30 days: shop"
    assert deploys()["declared"] is False


def test_pgbackrest_backups_are_point_in_time_recovery(store: SqlStore, tmp_path: Path) -> None:
    source = {"type": "pgbackrest", "stanza": "main", "data_directory": str(tmp_path / "pg"),
              "repo_path": str(tmp_path / "pgbr"), "retention_days": 35}  # fmt: skip
    cfg = config(tmp_path, ladder={"claims": []}, backups=[{
        "name": "pitr", "key_env": "WARDEN_TEST_KEY", "source": source,
        "repository": {"type": "local", "path": str(tmp_path / "repo")}}])  # fmt: skip

    def pitr() -> dict[str, Any]:
        got = ladder(store, cfg, NOW)
        (req,) = [r for r in got["levels"][2]["requirements"]
                  if r["requirement"] == "point-in-time recovery"]  # fmt: skip
        return {"req": req, "db": got["databases"][0]}

    assert pitr()["req"]["met"] is False
    assert pitr()["db"]["tier"] == 0
    backups.record_run(store.engine, BackupRun("pitr", "r1", "complete", NOW - 3600, NOW - 3000,
                                               600))  # fmt: skip
    got = pitr()
    assert got["req"]["met"] is True
    assert got["req"]["evidence"] == "pgBackRest backups succeeded in the last 7 days: pitr"
    assert (got["db"]["engine"], got["db"]["tier"]) == ("pgbackrest", 2)
