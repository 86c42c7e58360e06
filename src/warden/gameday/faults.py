"""The faults a game day injects, each with its check, injection and revert.

``check()`` runs before anything is injected and raises ``FaultError`` when the fault could not
be reverted (no ``tc``, an interface already shaped by someone, a process that is not there or
not ours to signal, a revert command that does not exist, a Toxiproxy proxy that is missing):
such a plan is refused as a whole. ``inject()`` and ``revert()`` raise ``FaultError`` too; the
runner reverts every injected fault in reverse order, on success, error and Ctrl-C.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Protocol

from warden.errors import WardenError
from warden.gameday.plan import CommandSpec, FaultSpec, NetemSpec, SignalSpec, ToxiproxySpec

TC_TIMEOUT = 10.0


class FaultError(WardenError):
    """A fault cannot be checked, injected or reverted; the message says which and why."""


class Fault(Protocol):
    def describe(self) -> str: ...

    def check(self) -> None: ...

    def inject(self) -> None: ...

    def revert(self) -> None: ...


def _run(argv: list[str], timeout: float, what: str) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except FileNotFoundError:
        raise FaultError(f"{what}: {argv[0]} is not installed") from None
    except subprocess.TimeoutExpired:
        raise FaultError(f"{what}: {' '.join(argv)} took longer than {timeout:g} s") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise FaultError(f"{what}: {' '.join(argv)} exited {done.returncode}: {tail[0]}")
    return done.stdout


def kernel_has_netem(config: Path = Path("/proc/config.gz")) -> bool:
    """False when the running kernel's config says netem is not built (True when unknown)."""
    try:
        with gzip.open(config, "rt", encoding="utf-8", errors="replace") as f:
            return not any(line.startswith("# CONFIG_NET_SCH_NETEM is not set") for line in f)
    except OSError:
        return True


class Netem:
    """``tc netem`` delay and loss on an interface; reverted by deleting the root qdisc,
    which gives the interface its default queue back."""

    def __init__(self, spec: NetemSpec) -> None:
        self.spec = spec
        self.prefix = ["ip", "netns", "exec", spec.netns] if spec.netns else []

    def describe(self) -> str:
        parts = [f"delay {self.spec.delay * 1000:g}ms"] if self.spec.delay else []
        parts += [f"loss {self.spec.loss:g}%"] if self.spec.loss else []
        where = f" in netns {self.spec.netns}" if self.spec.netns else ""
        return f"netem {' '.join(parts)} on {self.spec.interface}{where}"

    def check(self) -> None:
        if shutil.which("tc") is None:
            raise FaultError(f"{self.describe()}: tc (iproute2) is not installed")
        if not kernel_has_netem():
            raise FaultError(f"{self.describe()}: this kernel has no netem qdisc "
                             "(CONFIG_NET_SCH_NETEM is not set)")  # fmt: skip
        shown = _run([*self.prefix, "tc", "qdisc", "show", "dev", self.spec.interface],
                     TC_TIMEOUT, self.describe())  # fmt: skip
        for line in shown.splitlines():
            words = line.split()
            if "root" in words and len(words) > 2 and words[2] != "0:":
                raise FaultError(f"{self.describe()}: the interface already has a root qdisc "
                                 f"({line.strip()}); deleting it would not restore it")  # fmt: skip

    def inject(self) -> None:
        argv = [*self.prefix, "tc", "qdisc", "replace", "dev", self.spec.interface, "root",
                "netem"]  # fmt: skip
        if self.spec.delay:
            argv += ["delay", f"{self.spec.delay * 1000:g}ms"]
            if self.spec.jitter:
                argv.append(f"{self.spec.jitter * 1000:g}ms")
        if self.spec.loss:
            argv += ["loss", f"{self.spec.loss:g}%"]
        _run(argv, TC_TIMEOUT, self.describe())

    def revert(self) -> None:
        _run([*self.prefix, "tc", "qdisc", "del", "dev", self.spec.interface, "root"],
             TC_TIMEOUT, f"revert {self.describe()}")  # fmt: skip


class Stop:
    """SIGSTOP a process (it hangs: connections open, nothing answered); SIGCONT reverts."""

    def __init__(self, spec: SignalSpec) -> None:
        self.spec = spec
        self.pid = spec.pid or 0

    def describe(self) -> str:
        return f"stop process {self.pid or self.spec.pid_file}"

    def check(self) -> None:
        if self.spec.pid_file is not None:
            try:
                self.pid = int(self.spec.pid_file.read_text().split()[0])
            except (OSError, ValueError, IndexError) as exc:
                raise FaultError(f"{self.describe()}: cannot read a pid: {exc}") from None
        if self.pid <= 1 or self.pid == os.getpid():
            raise FaultError(f"{self.describe()}: refusing to stop pid {self.pid}")
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            raise FaultError(f"{self.describe()}: no such process") from None
        except PermissionError:
            raise FaultError(f"{self.describe()}: not allowed to signal it") from None

    def inject(self) -> None:
        self._signal(signal.SIGSTOP)

    def revert(self) -> None:
        self._signal(signal.SIGCONT)

    def _signal(self, sig: signal.Signals) -> None:
        try:
            os.kill(self.pid, sig)
        except OSError as exc:
            raise FaultError(f"{self.describe()}: {sig.name} failed: {exc.strerror}") from None


class Command:
    """A pair of commands: one causes the fault, the other undoes it."""

    def __init__(self, spec: CommandSpec) -> None:
        self.spec = spec

    def describe(self) -> str:
        return f"command {' '.join(self.spec.inject)}"

    def check(self) -> None:
        for argv in (self.spec.inject, self.spec.revert):
            if shutil.which(argv[0]) is None:
                raise FaultError(f"{self.describe()}: {argv[0]} is not an executable")

    def inject(self) -> None:
        _run(self.spec.inject, self.spec.timeout, self.describe())

    def revert(self) -> None:
        _run(self.spec.revert, self.spec.timeout, f"revert {self.describe()}")


class Toxic:
    """A toxic added to a Toxiproxy proxy through its HTTP API, deleted to revert."""

    def __init__(self, spec: ToxiproxySpec, name: str) -> None:
        self.spec = spec
        self.name = name
        self.base = f"{spec.url.rstrip('/')}/proxies/{spec.proxy}"

    def describe(self) -> str:
        return f"toxiproxy {self.spec.type} on proxy {self.spec.proxy}"

    def _call(self, method: str, url: str, body: object = None) -> None:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"}
        request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310 (http(s) only: checked in ToxiproxySpec)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (as above)
                response.read()
        except urllib.error.HTTPError as exc:
            raise FaultError(f"{self.describe()}: {method} {url}: HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise FaultError(f"{self.describe()}: {method} {url}: {exc}") from None

    def check(self) -> None:
        self._call("GET", self.base)

    def inject(self) -> None:
        body = {"name": self.name, "type": self.spec.type, "stream": self.spec.stream,
                "toxicity": self.spec.toxicity, "attributes": self.spec.attributes}  # fmt: skip
        self._call("POST", f"{self.base}/toxics", body)

    def revert(self) -> None:
        self._call("DELETE", f"{self.base}/toxics/{self.name}")


def build(spec: FaultSpec, index: int) -> Fault:
    if spec.netem is not None:
        return Netem(spec.netem)
    if spec.signal is not None:
        return Stop(spec.signal)
    if spec.command is not None:
        return Command(spec.command)
    assert spec.toxiproxy is not None
    return Toxic(spec.toxiproxy, f"warden-gameday-{os.getpid()}-{index}")
