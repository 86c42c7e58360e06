"""The restic source against the real restic: incremental runs, restore, verify, drills,
retention carried out in restic, and a password that never shows."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from tests.backup.conftest import KEY_ENV, MakeConfig, need
from warden.backup.config import BackupConfig
from warden.backup.drill import drill_once
from warden.backup.restore import restore_once, verify_backups
from warden.backup.runner import backup_once
from warden.backup.sources._base import TargetNotEmptyError
from warden.backup.sources.restic import ResticSource, restic_excludes
from warden.backup.status import backup_status, samples
from warden.cli.main import app

pytestmark = pytest.mark.integration
runner = CliRunner()


@pytest.mark.parametrize(
    ("pattern", "restic"),
    [
        ("*.log", "*.log"),
        ("cache", "cache"),
        ("cache/", "cache"),
        ("/cache", "/srv/site/cache"),
        ("data/tmp", "/srv/site/data/tmp"),
        ("a/**/*.csv", "/srv/site/a/**/*.csv"),
    ],
)
def test_excludes_mean_what_they_mean_for_files(pattern: str, restic: str) -> None:
    assert restic_excludes(Path("/srv/site"), [pattern]) == [restic]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"password_env": "A", "password_file": "/x"}, "at most one of password_env"),
        ({"compression": "best"}, "compression"),
        ({"repo": None}, "repo"),
    ],
)
def test_config_errors(make_config: MakeConfig, extra: dict[str, Any], message: str) -> None:
    source = {"type": "restic", "path": "/srv", "repo": "/r", **extra}
    with pytest.raises(ValueError, match=message):
        make_config(source)


def tree(root: Path) -> None:
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "a.txt").write_text("alpha line\n" * 20_000)
    (root / "blob.bin").write_bytes(os.urandom(2 << 20))
    (root / "logs").mkdir()
    (root / "logs" / "x.log").write_text("skip me\n")


@pytest.fixture
def restic_spec(tmp_path: Path, key_env: dict[str, str]) -> dict[str, Any]:
    """A backup entry of the config: a restic source and a local repository for records."""
    need("restic")
    src = tmp_path / "site"
    tree(src)
    source = {"type": "restic", "path": str(src), "repo": str(tmp_path / "restic"),
              "exclude": ["*.log"], "cache_dir": str(tmp_path / "cache")}  # fmt: skip
    records = {"type": "local", "path": str(tmp_path / "repo")}
    drill = {"scratch": str(tmp_path / "scratch")}
    return {"name": "site", "key_env": KEY_ENV, "source": source, "repository": records,
            "drill": drill, "retention": {"keep_last": 1}}  # fmt: skip


@pytest.fixture
def restic_cfg(restic_spec: dict[str, Any]) -> BackupConfig:
    return BackupConfig.model_validate(restic_spec)


def snapshots(cfg: BackupConfig) -> list[dict[str, Any]]:
    source = ResticSource(cfg.source)  # type: ignore[arg-type]
    from warden.backup.crypto import load_key

    source.use_key(load_key(cfg.key_env, cfg.key_file))
    return list(json.loads(source.restic("snapshots", "--json")))


def test_incremental_runs_restore_verify_drill(restic_cfg: BackupConfig, tmp_path: Path) -> None:
    first = backup_once(restic_cfg)
    assert first.ok, first.error
    assert first.objects[0].name == "restic.json"
    assert first.raw_bytes > 2 << 20  # the tree's bytes, not the record's
    src = Path(str(restic_cfg.source.path))  # type: ignore[attr-defined]
    (src / "docs" / "b.txt").write_text("a new file\n")
    second = backup_once(restic_cfg)
    assert second.ok, second.error
    assert 0 < second.stored_bytes < first.stored_bytes / 10  # only the change is stored
    assert len(snapshots(restic_cfg)) == 2

    out = tmp_path / "out"
    restore_once(restic_cfg, str(out))
    assert (out / "docs" / "b.txt").read_text() == "a new file\n"
    assert (out / "blob.bin").read_bytes() == (src / "blob.bin").read_bytes()
    assert not (out / "logs" / "x.log").exists()
    with pytest.raises(TargetNotEmptyError):
        restore_once(restic_cfg, str(out))
    restore_once(restic_cfg, str(tmp_path / "old"), at=first.id)
    assert not (tmp_path / "old" / "docs" / "b.txt").exists()

    (result,) = verify_backups(restic_cfg, full=True)
    assert result.ok, result.error
    assert [o.name for o in result.objects] == ["restic.json", "restic repository"]

    drill = drill_once(restic_cfg)
    assert drill.ok, drill.error
    assert {c.name: c.restored == c.source for c in drill.checks} == {
        "files": True, "bytes": True, "sha256": True,
    }  # fmt: skip
    assert list((tmp_path / "scratch").iterdir()) == []

    st = backup_status(restic_cfg, second.finished)
    assert st.engine is not None
    assert st.engine.backups == 2
    assert st.repository_bytes == st.engine.repository_bytes > 2 << 20
    assert any(s.name == "backup_repository_bytes" for s in samples([st], second.finished))


def test_cli_list_prune_and_the_password_never_shows(
    restic_spec: dict[str, Any], restic_cfg: BackupConfig, tmp_path: Path, key_env: dict[str, str]
) -> None:
    path = tmp_path / "warden.yaml"
    data = {"store": {"url": f"sqlite:///{tmp_path / 'store.db'}"}, "backups": [restic_spec]}
    path.write_text(yaml.safe_dump(data))
    outputs = []
    for _ in range(2):
        res = runner.invoke(app, ["backup", "run", "site", "-c", str(path), "--json"])
        assert res.exit_code == 0, res.output
        outputs.append(res.output)
    listed = runner.invoke(app, ["backup", "list", "site", "-c", str(path), "--json"])
    rows = json.loads(listed.stdout)["backups"]
    assert [r["engine"]["engine"] for r in rows] == ["restic", "restic"]
    ids = [r["engine"]["id"] for r in rows]
    table = runner.invoke(app, ["backup", "list", "site", "-c", str(path)])
    assert f"restic snapshot {ids[0]}" in " ".join(table.output.split())
    outputs += [listed.output, table.output]

    dry = runner.invoke(app, ["backup", "prune", "site", "-c", str(path), "--dry-run", "--json"])
    decisions = json.loads(dry.stdout)["backups"][0]["decisions"]
    assert [d["action"] for d in decisions] == ["delete", "keep"]
    assert f"restic forgets {ids[0]}" in decisions[0]["reasons"]
    assert len(snapshots(restic_cfg)) == 2
    assert runner.invoke(app, ["backup", "prune", "site", "-c", str(path)]).exit_code == 0
    assert [s["short_id"] for s in snapshots(restic_cfg)] == [ids[1][:8]]

    source = ResticSource(restic_cfg.source)  # type: ignore[arg-type]
    from warden.backup.crypto import load_key

    source.use_key(load_key(KEY_ENV, None))
    password = source.env()["RESTIC_PASSWORD"]
    assert all(password not in text for text in outputs)
    assert password != key_env[KEY_ENV]


def test_own_password_env(
    make_config: MakeConfig, tmp_path: Path, key_env: dict[str, str], monkeypatch: Any
) -> None:
    need("restic")
    src = tmp_path / "s"
    src.mkdir()
    (src / "f").write_text("x")
    repo = tmp_path / "r"
    env = {**os.environ, "RESTIC_PASSWORD": "their own password", "RESTIC_REPOSITORY": str(repo),
           "RESTIC_CACHE_DIR": str(tmp_path / "cache")}  # fmt: skip
    subprocess.run(["restic", "init", "--quiet"], env=env, check=True, capture_output=True)
    monkeypatch.setenv("SITE_RESTIC_PASSWORD", "their own password")
    cfg = make_config({"type": "restic", "path": str(src), "repo": str(repo),
                       "password_env": "SITE_RESTIC_PASSWORD",
                       "cache_dir": str(tmp_path / "cache")})  # fmt: skip
    run = backup_once(cfg)
    assert run.ok, run.error
    monkeypatch.setenv("SITE_RESTIC_PASSWORD", "not-the-password-7f3a")
    failed = backup_once(cfg)
    assert failed.status == "failed"
    assert "wrong password" in failed.error
    assert "7f3a" not in failed.error
