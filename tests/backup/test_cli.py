"""``warden backup`` and ``warden dr`` as a user runs them: JSON shapes and exit codes."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from tests.backup.conftest import KEY_ENV
from warden.cli.main import app

runner = CliRunner()


@pytest.fixture
def setup(tmp_path: Path, key_env: dict[str, str]) -> tuple[Path, Path]:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("alpha\n" * 1000)
    (src / "b.bin").write_bytes(os.urandom(100_000))
    cfg = {
        "store": {"url": f"sqlite:///{tmp_path / 'store.db'}"},
        "backups": [
            {
                "name": "site",
                "key_env": KEY_ENV,
                "source": {"type": "files", "path": str(src)},
                "repository": {"type": "local", "path": str(tmp_path / "repo")},
                "rpo": "1h",
                "rto": "1h",
                "retention": {"keep_last": 2},
                "drill": {"scratch": str(tmp_path / "scratch")},
            }
        ],
    }
    path = tmp_path / "warden.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path, src


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


def text(result: Any) -> str:
    """The output with Rich's line wrapping undone."""
    return " ".join(str(result.output).split())


def doc(result: Any, schema: str) -> dict[str, Any]:
    assert result.stdout, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    assert data["schema"] == f"warden.{schema}/v1"
    return data


def test_run_list_verify_restore_prune(setup: tuple[Path, Path], tmp_path: Path) -> None:
    cfg, src = setup
    ids = []
    for _ in range(3):
        res = invoke("backup", "run", "site", "-c", str(cfg), "--json")
        assert res.exit_code == 0, res.output
        run = doc(res, "backup.run")
        assert run["status"] == "complete"
        assert run["raw_bytes"] > 100_000
        assert run["objects"][0]["name"] == "files.tar"
        ids.append(run["id"])
    with sqlite3.connect(tmp_path / "store.db") as conn:
        rows = conn.execute("SELECT run_id, status FROM backup_runs ORDER BY id").fetchall()
    assert rows == [(i, "complete") for i in ids]

    listed = doc(invoke("backup", "list", "-c", str(cfg), "--json"), "backup.list")
    assert [b["id"] for b in listed["backups"]] == ids
    assert {b["status"] for b in listed["backups"]} == {"complete"}
    table = invoke("backup", "list", "-c", str(cfg))
    assert table.exit_code == 0
    assert ids[0] in text(table)

    verified = doc(invoke("backup", "verify", "-c", str(cfg), "--all", "--full", "--json"),
                   "backup.verify")  # fmt: skip
    assert verified["ok"] is True
    assert len(verified["results"]) == 3

    out = tmp_path / "out"
    res = invoke("backup", "restore", "site", "--to", str(out), "--at", ids[0], "-c", str(cfg),
                 "--json")  # fmt: skip
    assert doc(res, "backup.restore")["id"] == ids[0]
    assert (out / "a.txt").read_text() == (src / "a.txt").read_text()
    refused = invoke("backup", "restore", "site", "--to", str(out), "-c", str(cfg))
    assert refused.exit_code == 2
    assert "is not empty; use --force" in text(refused)
    assert (
        invoke("backup", "restore", "site", "--to", str(out), "--force", "-c", str(cfg)).exit_code
        == 0
    )
    bad_at = invoke(
        "backup", "restore", "site", "--to", str(out), "--at", "yesterday", "-c", str(cfg)
    )
    assert bad_at.exit_code == 2
    assert "--at 'yesterday'" in text(bad_at)
    too_early = invoke("backup", "restore", "site", "--to", str(tmp_path / "o2"), "--at",
                       "2001-01-01T00:00Z", "-c", str(cfg))  # fmt: skip
    assert too_early.exit_code == 1
    assert "no complete backup at or before 2001-01-01" in text(too_early)

    dry = doc(invoke("backup", "prune", "-c", str(cfg), "--dry-run", "--json"), "backup.prune")
    assert dry["dry_run"] is True
    decisions = dry["backups"][0]["decisions"]
    assert [d["action"] for d in decisions] == ["delete", "keep", "keep"]
    assert decisions[0]["reasons"] == ["not kept by any rule"]
    assert decisions[2]["reasons"] == ["keep_last #1"]
    assert invoke("backup", "prune", "-c", str(cfg)).exit_code == 0
    listed = doc(invoke("backup", "list", "-c", str(cfg), "--json"), "backup.list")
    assert [b["id"] for b in listed["backups"]] == ids[1:]


def test_verify_exit_code_names_the_object(setup: tuple[Path, Path], tmp_path: Path) -> None:
    cfg, _ = setup
    assert invoke("backup", "run", "site", "-c", str(cfg), "--no-record").exit_code == 0
    (obj,) = (tmp_path / "repo").glob("backups/site/*/objects/*")
    data = bytearray(obj.read_bytes())
    data[len(data) // 2] ^= 0xFF
    obj.write_bytes(bytes(data))
    res = invoke("backup", "verify", "site", "-c", str(cfg))
    assert res.exit_code == 1
    assert "FAILED" in text(res)
    assert obj.name in str(res.output).replace("\n", "")
    res = invoke("backup", "verify", "site", "-c", str(cfg), "--json")
    assert doc(res, "backup.verify")["results"][0]["objects"][0]["key"].endswith(obj.name)


def test_failures_and_bad_input(setup: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    cfg, _src = setup
    assert invoke("backup", "run", "nope", "-c", str(cfg)).exit_code == 2
    unknown = invoke("backup", "list", "nope", "-c", str(cfg))
    assert unknown.exit_code == 2
    assert "no backup named 'nope'" in text(unknown)
    monkeypatch.delenv(KEY_ENV)
    res = invoke("backup", "run", "site", "-c", str(cfg), "--json")
    assert res.exit_code == 2  # a missing key is bad input, as documented
    assert f"{KEY_ENV} (key_env) is not set" in text(res)
    res = invoke("backup", "verify", "-c", str(cfg))
    assert res.exit_code == 2
    assert f"{KEY_ENV} (key_env) is not set" in text(res)


def test_keygen(tmp_path: Path) -> None:
    res = invoke("backup", "keygen", "--json")
    data = doc(res, "backup.keygen")
    assert len(data["key"]) == 44
    assert len(data["key_id"]) == 16
    path = tmp_path / "backup.key"
    res = invoke("backup", "keygen", "--out", str(path))
    assert res.exit_code == 0
    assert "key id" in text(res)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.read_text().strip() not in text(res)
    again = invoke("backup", "keygen", "--out", str(path))
    assert again.exit_code == 2
    assert "refusing to overwrite" in text(again)


def test_drill_and_report(setup: tuple[Path, Path], tmp_path: Path) -> None:
    cfg, _ = setup
    empty = doc(invoke("dr", "report", "-c", str(cfg), "--json"), "dr.report")
    (st,) = empty["backups"]
    assert st["last_success"] is None
    assert st["last_drill"] is None
    assert "site: no complete backup" in empty["problems"]
    assert invoke("dr", "report", "-c", str(cfg), "--strict").exit_code == 1

    assert invoke("backup", "run", "site", "-c", str(cfg)).exit_code == 0
    res = invoke("dr", "drill", "site", "-c", str(cfg), "--json")
    assert res.exit_code == 0, res.output
    drill = doc(res, "dr.drill")
    assert drill["status"] == "passed"
    assert drill["rto_met"] is True
    assert [c["name"] for c in drill["checks"]] == ["files", "bytes", "sha256"]
    with sqlite3.connect(tmp_path / "store.db") as conn:
        assert conn.execute("SELECT status FROM drills").fetchall() == [("passed",)]

    report = doc(invoke("dr", "report", "-c", str(cfg), "--json"), "dr.report")
    (st,) = report["backups"]
    assert st["rpo_met"] is True
    assert st["rto_met"] is True
    assert st["last_drill"]["id"] == drill["id"]
    assert st["complete"] == 1
    assert st["repository_bytes"] > 0
    assert report["problems"] == []
    assert invoke("dr", "report", "-c", str(cfg), "--strict").exit_code == 0
    md = invoke("dr", "report", "-c", str(cfg), "--markdown")
    assert md.exit_code == 0
    assert "| backup | last success | age / RPO |" in text(md)
    assert "| site |" in text(md)
    table = invoke("dr", "report", "-c", str(cfg))
    assert table.exit_code == 0
    assert "site" in text(table)


def test_a_missing_key_file_exits_2_and_names_no_attempt(
    setup: tuple[Path, Path], tmp_path: Path
) -> None:
    cfg, _src = setup
    data = yaml.safe_load(cfg.read_text())
    missing = tmp_path / "no-such.key"
    del data["backups"][0]["key_env"]
    data["backups"][0]["key_file"] = str(missing)
    cfg.write_text(yaml.safe_dump(data))
    res = invoke("backup", "run", "site", "-c", str(cfg))
    assert res.exit_code == 2
    out = text(res)
    assert f"cannot read key_file {missing}" in out
    assert "site/2" not in out  # no attempt id: nothing was written
    assert not list((tmp_path / "repo").glob("backups/site/*"))
