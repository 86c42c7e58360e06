"""Following a log across rename and copytruncate rotation, and across restarts."""

from __future__ import annotations

import os
from pathlib import Path

from warden.traffic.follow import LogFollower


def _write(path: Path, *lines: str) -> None:
    with path.open("a") as f:
        for line in lines:
            f.write(line + "\n")


def test_reads_only_new_complete_lines(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    _write(log, "old")
    with LogFollower(log, None, start_at="end") as f:
        assert f.read_lines() == []
        _write(log, "a", "b")
        with log.open("a") as h:
            h.write("partial")
        assert f.read_lines() == [b"a", b"b"]
        with log.open("a") as h:
            h.write(" line\n")
        assert f.read_lines() == [b"partial line"]


def test_start_at_beginning(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    _write(log, "x", "y")
    with LogFollower(log, None, start_at="beginning") as f:
        assert f.read_lines() == [b"x", b"y"]


def test_rename_rotation_loses_and_repeats_nothing(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    _write(log, "1")
    with LogFollower(log, None, start_at="beginning") as f:
        assert f.read_lines() == [b"1"]
        _write(log, "2")  # written before the rotation, not yet read
        os.rename(log, tmp_path / "access.log.1")
        _write(tmp_path / "access.log.1", "3")  # the server still writes to its open file
        _write(log, "4")  # then reopens its log
        assert f.read_lines() == [b"2", b"3", b"4"]
        _write(log, "5")
        assert f.read_lines() == [b"5"]


def test_copytruncate(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    _write(log, "1", "2")
    with LogFollower(log, None, start_at="beginning") as f:
        assert f.read_lines() == [b"1", b"2"]
        with log.open("r+") as h:
            h.truncate(0)
        _write(log, "3")
        assert f.read_lines() == [b"3"]


def test_restart_resumes_at_the_saved_position(tmp_path: Path) -> None:
    log, state = tmp_path / "access.log", tmp_path / "state" / "pos.json"
    _write(log, "1", "2")
    first = LogFollower(log, state, start_at="beginning")
    assert first.read_lines() == [b"1", b"2"]
    first.close()
    _write(log, "3")
    second = LogFollower(log, state, start_at="beginning")
    assert second.read_lines() == [b"3"]  # nothing read twice
    second.close()


def test_restart_after_a_rotation_while_down_finishes_the_old_file(tmp_path: Path) -> None:
    log, state = tmp_path / "access.log", tmp_path / "pos.json"
    _write(log, "1")
    first = LogFollower(log, state, start_at="end")
    assert first.read_lines() == []
    _write(log, "2")
    first.close()
    os.rename(log, tmp_path / "access.log.1")
    _write(log, "3")
    with LogFollower(log, state, start_at="end") as second:
        assert second.read_lines() == [b"2", b"3"]
