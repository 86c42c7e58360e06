"""Help text of every command reads like a manual: no Python types, no ``{name}``."""

from __future__ import annotations

import re
from typing import Any

import pytest

from warden.cli.main import command

LEAKS = re.compile(r"<(bool|str|int|float|path|list\[[^\]]*\])>|\{[a-z_]+\}")


def _paths(cmd: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [prefix]
    for name, sub in sorted((getattr(cmd, "commands", None) or {}).items()):
        out += _paths(sub, (*prefix, name))
    return out


CLI = command()
PATHS = _paths(CLI)


def test_the_tree_is_walked() -> None:
    assert ("user", "passwd") in PATHS
    assert ("check",) in PATHS
    assert len(PATHS) > 30


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    try:
        CLI.main(args=args, prog_name="warden")
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.fixture(autouse=True)
def _wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "warden")
def test_help_has_no_type_markers(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = run([*path, "--help"], capsys)
    assert code == 0, output
    assert LEAKS.findall(output) == [], output


def test_required_argument_reads_as_a_name(capsys: pytest.CaptureFixture[str]) -> None:
    _, output = run(["user", "add", "--help"], capsys)
    assert "Usage: warden user add [OPTIONS] NAME" in output
    _, output = run(["user", "add"], capsys)
    assert "Missing argument 'NAME'" in output
