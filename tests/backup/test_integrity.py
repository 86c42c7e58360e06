"""Verify and restore refuse damaged backups and wrong keys, naming what is wrong."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.backup.conftest import KEY_ENV, MakeConfig
from warden.backup.config import BackupConfig
from warden.backup.crypto import generate_key
from warden.backup.manifest import list_backups
from warden.backup.repos import open_repository
from warden.backup.restore import restore_once, verify_backups
from warden.backup.runner import backup_once
from warden.errors import IntegrityError


@pytest.fixture
def backed_up(tmp_path: Path, make_config: MakeConfig, key_env: dict[str, str]) -> BackupConfig:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.bin").write_bytes(os.urandom(300_000))
    (src / "b.txt").write_text("hello\n" * 50_000)
    cfg = make_config({"type": "files", "path": str(src)}, chunk_size="64KiB")
    assert backup_once(cfg).ok
    return cfg


def stored_object(cfg: BackupConfig) -> Path:
    root = Path(str(cfg.repository.path))  # type: ignore[attr-defined]
    (obj,) = root.glob("backups/*/*/objects/*")
    return obj


@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("where", ["header", "middle", "end"])
def test_one_flipped_byte_fails_verify_naming_the_object(
    backed_up: BackupConfig, full: bool, where: str
) -> None:
    assert all(r.ok for r in verify_backups(backed_up, full=full))
    obj = stored_object(backed_up)
    data = bytearray(obj.read_bytes())
    pos = {"header": 20, "middle": len(data) // 2, "end": len(data) - 1}[where]
    data[pos] ^= 0x01
    obj.write_bytes(bytes(data))
    (result,) = verify_backups(backed_up, full=full)
    assert not result.ok
    (check,) = result.objects
    assert not check.ok
    key = obj.relative_to(obj.parents[4]).as_posix()
    assert check.key == key
    assert check.error.startswith(f"{key}: ")
    assert "SHA-256 does not match" in check.error or "authentication" in check.error
    with pytest.raises(IntegrityError, match=key):
        restore_once(backed_up, str(obj.parents[4].parent / "out"))


def test_wrong_key_is_a_clear_error(
    backed_up: BackupConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, generate_key())
    (result,) = verify_backups(backed_up)
    assert not result.ok
    assert "wrong key" in result.error
    with pytest.raises(IntegrityError, match="wrong key"):
        restore_once(backed_up, "/nonexistent/target")


def test_edited_manifest_is_detected(backed_up: BackupConfig) -> None:
    obj = stored_object(backed_up)
    manifest = obj.parents[1] / "manifest.json"
    data = json.loads(manifest.read_text())
    data["raw_bytes"] += 1
    manifest.write_text(json.dumps(data))
    (result,) = verify_backups(backed_up)
    assert "manifest.json: authentication failed (the manifest was altered)" in result.error


def test_missing_object_is_named(backed_up: BackupConfig) -> None:
    obj = stored_object(backed_up)
    obj.unlink()
    (result,) = verify_backups(backed_up)
    assert not result.ok
    assert "is missing from local:" in result.objects[0].error


def test_truncated_object_fails(backed_up: BackupConfig) -> None:
    obj = stored_object(backed_up)
    obj.write_bytes(obj.read_bytes()[:-100])
    (result,) = verify_backups(backed_up)
    assert "SHA-256 does not match" in result.error


def test_list_reads_without_the_key(
    backed_up: BackupConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV)
    repo = open_repository(backed_up.repository)
    (entry,) = list_backups(repo, backed_up.name)
    assert entry.complete
    assert entry.manifest is not None
    assert entry.manifest.raw_bytes == entry.raw_bytes > 600_000


def _forge_newer(cfg: BackupConfig) -> str:
    """Copy the real backup under a later id with an edited manifest (no key to sign it)."""
    import shutil

    root = Path(str(cfg.repository.path))  # type: ignore[attr-defined]
    (real,) = root.glob(f"backups/{cfg.name}/*/manifest.json")
    forged_id = "29990101T000000Z-f0f0f0"
    shutil.copytree(real.parent, real.parent.parent / forged_id)
    manifest = real.parent.parent / forged_id / "manifest.json"
    data = json.loads(manifest.read_text())
    data["id"], data["started"], data["finished"] = forged_id, 32503680000.0, 32503680001.0
    manifest.write_text(json.dumps(data))
    return forged_id


def test_forged_manifests_are_named_and_never_trusted(backed_up: BackupConfig) -> None:
    from warden.backup.crypto import load_key

    forged_id = _forge_newer(backed_up)
    key = load_key(backed_up.key_env, backed_up.key_file)
    repo = open_repository(backed_up.repository)
    try:
        real, forged = list_backups(repo, backed_up.name, key=key)
    finally:
        repo.close()
    assert real.status == "complete"
    assert forged.id == forged_id
    assert forged.status == "unverified"
    assert "authentication failed (the manifest was altered)" in forged.error
    # restore takes the newest *authenticated* backup, not the forged newer one
    result = restore_once(backed_up, str(Path(str(backed_up.repository.path)).parent / "out"))  # type: ignore[attr-defined]
    assert result.id == real.id
