"""The files source: patterns, a streamed tar round trip, and a drill comparing digests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.backup.conftest import MakeConfig
from warden.backup.drill import drill_once
from warden.backup.restore import restore_once
from warden.backup.runner import backup_once
from warden.backup.sources._base import TargetNotEmptyError
from warden.backup.sources.files import PathFilter, fingerprint, glob_to_regex


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("*.log", "app.log", True),
        ("*.log", "a/b/app.log", True),
        ("*.log", "app.log.1", False),
        ("cache", "cache", True),
        ("cache", "x/cache", True),
        ("/cache", "x/cache", False),
        ("a/*.txt", "a/b.txt", True),
        ("a/*.txt", "a/b/c.txt", False),
        ("a/**/*.txt", "a/b/c.txt", True),
        ("a/**/*.txt", "a/c.txt", True),
        ("**/tmp/**", "x/tmp/y/z", True),
        ("data/**", "data/x/y", True),
        ("data/**", "other/data/x", False),
        ("file?.txt", "file1.txt", True),
        ("file?.txt", "file10.txt", False),
        ("[!a]*.md", "b.md", True),
        ("[!a]*.md", "a.md", False),
    ],
)
def test_glob(pattern: str, path: str, matches: bool) -> None:
    assert bool(glob_to_regex(pattern).match(path)) is matches


def make_tree(root: Path) -> None:
    files = {
        "app/main.py": b"print('hi')\n",
        "app/data/big.bin": os.urandom(3 << 20),
        "app/data/empty": b"",
        "logs/app.log": b"log line\n" * 1000,
        "cache/x/y.bin": b"cached",
        "notes.txt": "ünïcode\n".encode(),
    }
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    (root / "app" / "link").symlink_to("main.py")
    (root / "emptydir").mkdir()


def test_round_trip_with_include_and_exclude(
    tmp_path: Path, make_config: MakeConfig, key_env: dict[str, str]
) -> None:
    src = tmp_path / "src"
    make_tree(src)
    cfg = make_config(
        {"type": "files", "path": str(src), "exclude": ["*.log", "cache"]}, name="files"
    )
    run = backup_once(cfg)
    assert run.ok, run.error
    dest = tmp_path / "restored"
    restore_once(cfg, str(dest))
    got = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*"))
    assert got == [
        "app", "app/data", "app/data/big.bin", "app/data/empty", "app/link", "app/main.py",
        "emptydir", "logs", "notes.txt",
    ]  # fmt: skip
    assert (dest / "app/data/big.bin").read_bytes() == (src / "app/data/big.bin").read_bytes()
    assert os.readlink(dest / "app/link") == "main.py"
    flt = PathFilter(["**"], ["*.log", "cache"])
    assert fingerprint(dest, None) == fingerprint(src, flt)
    with pytest.raises(TargetNotEmptyError, match="is not empty; use --force"):
        restore_once(cfg, str(dest))
    (dest / "app/main.py").write_text("changed")
    restore_once(cfg, str(dest), force=True)
    assert (dest / "app/main.py").read_bytes() == b"print('hi')\n"


def test_include_only_some_files(
    tmp_path: Path, make_config: MakeConfig, key_env: dict[str, str]
) -> None:
    src = tmp_path / "src"
    make_tree(src)
    cfg = make_config({"type": "files", "path": str(src), "include": ["*.py", "*.txt"]})
    assert backup_once(cfg).ok
    dest = tmp_path / "restored"
    restore_once(cfg, str(dest))
    got = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())
    assert got == ["app/main.py", "notes.txt"]


def test_drill_compares_with_the_source(
    tmp_path: Path, make_config: MakeConfig, key_env: dict[str, str]
) -> None:
    src = tmp_path / "src"
    make_tree(src)
    scratch = tmp_path / "scratch"
    cfg = make_config(
        {"type": "files", "path": str(src)}, rto="1h", drill={"scratch": str(scratch)}
    )
    assert backup_once(cfg).ok
    result = drill_once(cfg)
    assert result.ok, result.error
    assert {c.name for c in result.checks} == {"files", "bytes", "sha256"}
    assert all(c.source == c.restored for c in result.checks)
    assert result.rto_met is True
    assert list(scratch.iterdir()) == []  # the scratch directory is removed
    (src / "notes.txt").write_text("changed after the backup")
    result = drill_once(cfg)
    assert not result.ok
    assert result.error == "checks failed: bytes, sha256"
