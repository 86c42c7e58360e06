"""The ``command`` probe: run a program (an argv list, never a shell) and check its exit and output.

The program runs in a session of its own, so on timeout the whole process group is stopped:
SIGTERM, then SIGKILL to whatever is left after a grace (``KILL_GRACE``, at most a fifth of the
timeout, taken twice from the program's share so the whole check fits the timeout). Phase ``run``.
Exit codes in ``exit_codes`` are UP, those in ``degraded_exit_codes`` DEGRADED (Nagios' 1 =
warning, say), any other DOWN with ``assertion``; ``stdout`` may also have to meet an ``expect``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from warden.config._types import format_duration
from warden.probes._base import Probe, ProbeConfig, register
from warden.probes._fields import ValueExpect
from warden.probes._net import Stopwatch, Verdict, down, one_line, run_check, up
from warden.results import CheckResult, ErrorClass, Status

KILL_GRACE = 2.0
"""Seconds between SIGTERM and SIGKILL when a command overruns its timeout."""
MAX_OUTPUT = 64 * 1024
"""Bytes of stdout and of stderr kept (the rest is read and dropped)."""
_POLL = 0.05
_SECRET_NAME = re.compile(r"(?i)pass|secret|token|key|credential")


class CommandConfig(ProbeConfig):
    argv: list[str] = Field(min_length=1, description='Program and arguments: ["check", "-v"].')
    cwd: Path | None = Field(None, description="Working directory.")
    env: dict[str, str] = Field(default_factory=dict, description="Added to Warden's environment.")
    exit_codes: list[int] = Field(default_factory=lambda: [0], description="Exit codes for UP.")
    degraded_exit_codes: list[int] = Field(
        default_factory=list, description="Exit codes for DEGRADED."
    )
    stdout: ValueExpect | None = Field(None, description="Condition on the standard output.")

    @field_validator("argv", mode="before")
    @classmethod
    def _argv_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise ValueError(
                'must be an argv list, never a shell string: write ["prog", "arg", ...]'
            )
        return value

    @field_validator("argv")
    @classmethod
    def _program(cls, value: list[str]) -> list[str]:
        if not value[0]:
            raise ValueError("the program (first item) must not be empty")
        return value

    def target(self) -> str:
        return one_line(" ".join(self.argv), 80)

    def secrets(self) -> list[str]:
        """Values of env variables whose names look secret (kept out of messages)."""
        return [v for k, v in self.env.items() if _SECRET_NAME.search(k) and v]


@register
class CommandProbe(Probe[CommandConfig]):
    type = "command"
    config_model = CommandConfig

    async def check(self) -> CheckResult:
        return await run_check(self, self._run, secrets=self.config.secrets())

    async def _run(self, watch: Stopwatch) -> Verdict:
        cfg = self.config
        # Stopping the group (a grace after SIGTERM, as long again after SIGKILL) fits inside
        # the timeout: the program gets what is left of it.
        grace = min(KILL_GRACE, self.timeout / 5)
        with watch.phase("run"):
            try:
                proc = await asyncio.create_subprocess_exec(
                    *cfg.argv,
                    cwd=cfg.cwd,
                    env={**os.environ, **cfg.env},
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.PIPE,
                    start_new_session=True,
                )
            except OSError as exc:
                return down(ErrorClass.ERROR, f"cannot start {cfg.argv[0]}: {exc.strerror}")
            assert proc.stdout is not None
            assert proc.stderr is not None
            try:
                async with asyncio.timeout(self.timeout - 2 * grace):
                    out, err, code = await asyncio.gather(
                        read_capped(proc.stdout), read_capped(proc.stderr), proc.wait()
                    )
            except TimeoutError:
                how = await stop_group(proc.pid, grace)
                await proc.wait()
                ran = format_duration(self.timeout - 2 * grace)
                return down(ErrorClass.TIMEOUT, f"still running after {ran}: stopped by {how}")
            except BaseException:  # cancelled from outside: no time left to be gentle
                _signal_group(proc.pid, signal.SIGKILL)
                raise
        return judge(cfg, code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))


def judge(cfg: CommandConfig, code: int, out: str, err: str) -> Verdict:
    """The verdict for an exit code and output; stderr's tail explains a failure."""
    metrics = {"exit_code": float(code)}
    said = one_line(err or out, 300)
    detail = f": {said}" if said else ""
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        return down(ErrorClass.ERROR, f"killed by {name}{detail}", metrics)
    if code not in cfg.exit_codes and code not in cfg.degraded_exit_codes:
        expected = ", ".join(map(str, cfg.exit_codes))
        return down(
            ErrorClass.ASSERTION, f"exit code {code} (expected {expected}){detail}", metrics
        )
    if cfg.stdout is not None and (problem := cfg.stdout.failure(out)):
        return down(ErrorClass.ASSERTION, f"stdout: {problem}", metrics)
    if code in cfg.degraded_exit_codes:
        text = f"exit code {code} (degraded){detail}"
        return Verdict(Status.DEGRADED, text, ErrorClass.ASSERTION, metrics)
    return up(f"exit code {code}" + (f": {one_line(out, 200)}" if out.strip() else ""), metrics)


async def read_capped(stream: asyncio.StreamReader, limit: int = MAX_OUTPUT) -> bytes:
    """Read ``stream`` to its end, keeping the first ``limit`` bytes."""
    kept = bytearray()
    while chunk := await stream.read(65536):
        if len(kept) < limit:
            kept += chunk[: limit - len(kept)]
    return bytes(kept)


async def stop_group(pgid: int, grace: float = KILL_GRACE) -> str:
    """SIGTERM the process group, SIGKILL what still lives after ``grace``; the last signal sent.

    Returns once nothing of the group runs (or after another ``grace`` if SIGKILL is ignored,
    which only a process stuck in the kernel does).
    """
    if not _signal_group(pgid, signal.SIGTERM):
        return "itself"
    try:
        if await _gone(pgid, grace):
            return "SIGTERM"
    except BaseException:  # cancelled while waiting: never leave the group running
        _signal_group(pgid, signal.SIGKILL)
        raise
    _signal_group(pgid, signal.SIGKILL)
    await _gone(pgid, grace)
    return "SIGKILL"


async def _gone(pgid: int, within: float) -> bool:
    """Whether no process of the group runs any more, polling for up to ``within`` seconds."""
    for _ in range(max(1, round(within / _POLL))):
        if not group_alive(pgid):
            return True
        await asyncio.sleep(_POLL)
    return not group_alive(pgid)


def _signal_group(pgid: int, sig: signal.Signals) -> bool:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    return True


def group_alive(pgid: int) -> bool:
    """Whether a process of group ``pgid`` still runs (zombies, waiting to be reaped, do not)."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        return True
    for entry in proc.iterdir():
        if entry.name.isdigit() and _running_in_group(entry / "stat", pgid):
            return True
    return False


def _running_in_group(stat_file: Path, pgid: int) -> bool:
    with contextlib.suppress(OSError, ValueError, IndexError):
        # "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses
        fields = stat_file.read_text().rsplit(")", 1)[1].split()
        return int(fields[2]) == pgid and fields[0] not in ("Z", "X")
    return False
