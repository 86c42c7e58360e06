"""Running the database client tools: stream their stdout, feed their stdin, check their exit.

Secrets go to the tools through the environment or a 0600 option file, never through argv.
A failing tool raises ``BackupError`` with its exit status and the tail of its stderr.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from typing import IO

from warden.backup.sources._base import Readable
from warden.errors import BackupError

_COPY_CHUNK = 1 << 20
_STDERR_TAIL = 2000


def find_tool(*names: str) -> str:
    """The path of the first of ``names`` on PATH; BackupError naming them if none is."""
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    raise BackupError(f"{' or '.join(names)} not found on PATH; install the client tools")


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra or {})
    return env


def _tail(err: IO[bytes]) -> str:
    err.seek(0, os.SEEK_END)
    size = err.tell()
    err.seek(max(0, size - _STDERR_TAIL))
    text = err.read().decode("utf-8", "replace").strip()
    return " ".join(text.split()) or "no error output"


def _fail(argv: Sequence[str], rc: int, err: IO[bytes]) -> BackupError:
    name = os.path.basename(argv[0])
    return BackupError(f"{name} exited with status {rc}: {_tail(err)}")


def _kill_on(cancel: threading.Event, proc: subprocess.Popen[bytes]) -> None:
    """Kill ``proc`` once ``cancel`` is set (returns when either happens)."""
    while not cancel.wait(0.2):
        if proc.poll() is not None:
            return
    proc.kill()


@contextmanager
def tool_output(
    argv: Sequence[str],
    env: Mapping[str, str] | None = None,
    cancel: threading.Event | None = None,
) -> Iterator[IO[bytes]]:
    """Run ``argv`` and yield its stdout; on leaving, wait and raise if it failed.

    If the block raises, or ``cancel`` is set, the tool is killed (so an aborted backup stops
    its ``pg_dump`` even while the tool produces nothing).
    """
    with tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=err,
                env=child_env(env),
            )
        except OSError as exc:
            raise BackupError(f"cannot run {argv[0]}: {exc.strerror}") from exc
        assert proc.stdout is not None
        if cancel is not None:
            threading.Thread(target=_kill_on, args=(cancel, proc), daemon=True).start()
        try:
            yield proc.stdout
        except BaseException:
            proc.kill()
            proc.stdout.close()
            proc.wait()
            raise
        rest = proc.stdout.read(1)
        proc.stdout.close()
        rc = proc.wait()
        if cancel is not None and cancel.is_set():
            raise BackupError("cancelled")
        if rc != 0:
            raise _fail(argv, rc, err)
        if rest:
            raise BackupError(f"{os.path.basename(argv[0])} output was not read to its end")


def feed_tool(argv: Sequence[str], data: Readable, env: Mapping[str, str] | None = None) -> None:
    """Run ``argv`` with ``data`` on its stdin; raise if it exits non-zero."""
    with tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(
                list(argv),
                stdin=subprocess.PIPE,
                stdout=err,
                stderr=err,
                env=child_env(env),
            )
        except OSError as exc:
            raise BackupError(f"cannot run {argv[0]}: {exc.strerror}") from exc
        assert proc.stdin is not None
        try:
            while chunk := data.read(_COPY_CHUNK):
                proc.stdin.write(chunk)
        except BrokenPipeError:
            pass  # the tool stopped reading; its exit status says why
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            with suppress(BrokenPipeError):
                proc.stdin.close()
        rc = proc.wait()
        if rc != 0:
            raise _fail(argv, rc, err)


def run_tool(
    argv: Sequence[str], env: Mapping[str, str] | None = None, timeout: float = 300.0
) -> str:
    """Run a short command and return its stdout as text; raise if it fails."""
    try:
        done = subprocess.run(
            list(argv),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env=child_env(env),
            timeout=timeout,
            check=False,
        )
    except OSError as exc:
        raise BackupError(f"cannot run {argv[0]}: {exc.strerror}") from exc
    except subprocess.TimeoutExpired as exc:
        raise BackupError(f"{os.path.basename(argv[0])} timed out after {timeout:g}s") from exc
    if done.returncode != 0:
        text = " ".join(done.stderr.decode("utf-8", "replace").split())[-_STDERR_TAIL:]
        name = os.path.basename(argv[0])
        raise BackupError(f"{name} exited with status {done.returncode}: {text or 'no output'}")
    return done.stdout.decode("utf-8", "replace")


def tool_version(path: str) -> str:
    """The first line of ``path --version`` (empty if it cannot say)."""
    try:
        return run_tool([path, "--version"], timeout=30).strip().splitlines()[0]
    except (BackupError, IndexError):
        return ""


@contextmanager
def private_file(text: str, suffix: str = "") -> Iterator[str]:
    """A 0600 temporary file holding ``text`` (for option files carrying a password)."""
    fd, path = tempfile.mkstemp(prefix="warden-", suffix=suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        yield path
    finally:
        os.unlink(path)
