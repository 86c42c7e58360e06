"""The command probe: exit codes, output checks, and a timeout that ends the process group."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pydantic
import pytest

from warden.probes import ProbeDeps
from warden.probes.command import CommandConfig, CommandProbe
from warden.results import CheckResult, ErrorClass, Status


async def run(config: dict[str, Any], timeout: float = 10.0) -> CheckResult:
    probe = CommandProbe("cmd-test", CommandConfig.model_validate(config), timeout, ProbeDeps())
    return await probe.check()


def live_members(pgid: int) -> list[int]:
    """Pids of processes in group ``pgid`` that are not zombies (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            found.append(int(entry.name))
    return found


UP, DEGRADED, DOWN = Status.UP, Status.DEGRADED, Status.DOWN


@pytest.mark.parametrize(
    ("config", "status", "error", "message"),
    [
        ({"argv": ["true"]}, UP, "", "exit code 0"),
        ({"argv": ["false"]}, DOWN, "assertion", "exit code 1 (expected 0)"),
        ({"argv": ["false"], "exit_codes": [0, 1]}, UP, "", "exit code 1"),
        ({"argv": ["sh", "-c", "exit 1"], "degraded_exit_codes": [1]}, DEGRADED, "assertion", ""),
        ({"argv": ["sh", "-c", "exit 2"], "degraded_exit_codes": [1]}, DOWN, "assertion", ""),
        ({"argv": ["echo", "hello world"], "stdout": {"contains": "world"}}, UP, "", "hello"),
        ({"argv": ["echo", "hello world"], "stdout": {"regex": "^hello\\b"}}, UP, "", ""),
        ({"argv": ["echo", "hello"], "stdout": "hello"}, UP, "", "exit code 0: hello"),
        ({"argv": ["echo", "3"], "stdout": "< 5"}, UP, "", ""),
        (
            {"argv": ["echo", "7"], "stdout": "< 5"},
            DOWN,
            "assertion",
            "stdout: expected < 5, got 7",
        ),
        ({"argv": ["echo", "nope"], "stdout": {"contains": "OK"}}, DOWN, "assertion", "stdout:"),
        ({"argv": ["sh", "-c", "echo boom >&2; exit 2"]}, DOWN, "assertion", "(expected 0): boom"),
        ({"argv": ["sh", "-c", "kill -9 $$"]}, DOWN, "error", "killed by SIGKILL"),
        ({"argv": ["/nonexistent/warden-check"]}, DOWN, "error", "cannot start /nonexistent"),
        ({"argv": ["sh", "-c", "echo $WT_X"], "env": {"WT_X": "42"}, "stdout": "42"}, UP, "", ""),
    ],
)
async def test_exit_and_output(
    config: dict[str, Any], status: Status, error: str, message: str
) -> None:
    result = await run(config)
    assert result.status is status, result.message
    assert result.error == error
    assert message in result.message
    assert set(result.phases) == {"run"}


async def test_exit_code_is_a_metric() -> None:
    result = await run({"argv": ["sh", "-c", "exit 3"], "exit_codes": [3]})
    assert result.metrics == {"exit_code": 3.0}


async def test_working_directory(tmp_path: Path) -> None:
    result = await run({"argv": ["pwd"], "cwd": str(tmp_path), "stdout": str(tmp_path)})
    assert result.status is Status.UP, result.message


async def test_secret_env_values_stay_out_of_messages() -> None:
    config = {
        "argv": ["sh", "-c", 'echo "token is $API_TOKEN" >&2; exit 1'],
        "env": {"API_TOKEN": "tok-1234-secret"},
    }
    result = await run(config)
    assert result.status is Status.DOWN
    assert "token is ***" in result.message
    assert "tok-1234-secret" not in result.message


async def test_large_output_is_capped() -> None:
    result = await run({"argv": ["head", "-c", "1000000", "/dev/zero"], "stdout": {"regex": "."}})
    assert result.status is Status.UP, result.message


@pytest.mark.parametrize(
    ("script", "signal"),
    [
        ("sleep 30 & sleep 30", "SIGTERM"),  # a child and a grandchild, both end on SIGTERM
        ("trap '' TERM; sleep 30 & sleep 30", "SIGKILL"),  # all ignore SIGTERM
    ],
)
async def test_timeout_ends_the_whole_process_group(
    tmp_path: Path, script: str, signal: str
) -> None:
    pidfile = tmp_path / "pid"
    argv = ["sh", "-c", f"echo $$ > {pidfile}; {script}"]
    result = await run({"argv": argv}, timeout=1.0)
    assert result.status is Status.DOWN
    assert result.error is ErrorClass.TIMEOUT
    # Two fifths of the timeout are kept for stopping the group. On a machine so loaded that
    # stopping overran them, the check's own timeout reports instead (the group is still killed).
    assert result.message in (
        f"still running after 600ms: stopped by {signal}",
        "timed out after 1s during run",
    )
    pgid = int(pidfile.read_text())
    assert os.getpgid(os.getpid()) != pgid  # it ran in its own group
    if result.message.startswith("timed out"):  # SIGKILL was sent as the check was cancelled
        for _ in range(40):
            if not live_members(pgid):
                break
            await asyncio.sleep(0.05)
    assert live_members(pgid) == []


@pytest.mark.parametrize(
    ("config", "complaint"),
    [
        ({"argv": "pg_isready -h db"}, "argv list, never a shell string"),
        ({"argv": []}, "at least 1 item"),
        ({"argv": [""]}, "must not be empty"),
        ({"argv": ["x"], "stdout": {}}, "at least one of"),
        ({"argv": ["x"], "shell": True}, "Extra inputs are not permitted"),
    ],
)
def test_config_errors(config: dict[str, Any], complaint: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=complaint):
        CommandConfig.model_validate(config)


def test_target() -> None:
    config = CommandConfig.model_validate({"argv": ["/usr/bin/check_backup", "--max-age", "26h"]})
    assert config.target() == "/usr/bin/check_backup --max-age 26h"
