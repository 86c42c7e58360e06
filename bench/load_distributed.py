"""Scaling of the load generator: 1 and 2 worker processes, and 2 remote workers, against wrk.

Starts nginx (Debian's nginx-light, one worker) on 127.0.0.1 serving a 1 KB file, then runs,
one after the other, for the same duration and number of connections:

- ``wrk -t2`` (Debian), the reference;
- ``warden load run --processes 1`` and ``--processes 2`` (closed model, one user per
  connection like wrk): total throughput and requests per CPU-second, and the ratio of the
  two throughputs (goal: 2 processes give at least 1.8x one);
- ``warden load run --workers A,B``: a controller and two ``warden load worker --processes 1``
  on loopback (the distributed path: token handshake, JSON frames, merging on the controller).

CPU time is each tool's whole process tree: ``getrusage(RUSAGE_CHILDREN)`` around a run for
the commands this script waits for, plus, for the remote workers, what their processes and
reaped children used during the run (psutil). nginx and the generators share the machine's
cores, so the throughput ratio is bounded by the cores left to the generator; requests per
CPU-second says whether the generator itself scales. The runs are interleaved for
``--repeat`` rounds and the best round of each is shown (other work on the machine only ever
slows a run down). Loopback only; every run is bounded.

    python bench/load_distributed.py [--duration 10] [--connections 50] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

from _common import free_port, nginx, stopping, wait_port


@dataclass
class Figure:
    tool: str
    requests: int
    seconds: float
    cpu: float
    note: str = ""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def per_cpu(self) -> float:
        return self.requests / self.cpu if self.cpu else 0.0


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def tree_cpu(proc: psutil.Process) -> float:
    """CPU of a long-lived process and of the children it has reaped."""
    t = proc.cpu_times()
    return float(t.user + t.system + t.children_user + t.children_system)


def measured(cmd: Sequence[str], timeout: float) -> tuple[str, float]:
    cpu0 = children_cpu()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc.stdout, children_cpu() - cpu0


def run_wrk(url: str, duration: int, connections: int) -> Figure:
    import re

    out, cpu = measured(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", f"{url}/1k.txt"], duration + 60
    )
    m = re.search(r"(\d+) requests in ([\d.]+)s", out)
    if not m:
        raise SystemExit(f"cannot read wrk's output:\n{out}")
    return Figure(f"wrk -t2 -c{connections}", int(m.group(1)), float(m.group(2)), cpu)


def run_warden(url: str, duration: int, args: list[str], label: str) -> tuple[Figure, dict]:  # type: ignore[type-arg]
    cmd = [
        sys.executable, "-m", "warden.cli", "load", "run", f"{url}/1k.txt", "-d", f"{duration}s",
        "--json", "--no-monitor", *args,
    ]  # fmt: skip
    out, cpu = measured(cmd, duration + 120)
    doc = json.loads(out)
    if doc["errors"] or doc["partial"]:
        raise SystemExit(f"warden load: errors {doc['errors']}, notes {doc['notes']}")
    return Figure(label, doc["requests"], doc["elapsed_s"], cpu), doc


@contextmanager
def remote_workers(
    tmp: Path, count: int, token: Path
) -> Iterator[list[tuple[str, psutil.Process]]]:
    with ExitStack() as stack:
        started = []
        for i in range(count):
            port = free_port()
            proc = subprocess.Popen(
                [sys.executable, "-m", "warden.cli", "load", "worker", "--listen",
                 f"127.0.0.1:{port}", "--token-file", str(token), "--processes", "1"],
                stdout=subprocess.DEVNULL, stderr=(tmp / f"worker{i}.log").open("wb"),
            )  # fmt: skip
            stack.enter_context(stopping(proc))  # type: ignore[arg-type]
            wait_port(port, proc, f"warden load worker {i}", seconds=60)  # type: ignore[arg-type]
            started.append((f"127.0.0.1:{port}", psutil.Process(proc.pid)))
        yield started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per run (10)")
    parser.add_argument("--connections", type=int, default=50, help="connections/users (50)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the best of each (3)")
    opts = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not (shutil_which(tool)):
            raise SystemExit(f"error: {tool} is not installed (apt-get install wrk nginx-light)")
    d, c = opts.duration, opts.connections
    with tempfile.TemporaryDirectory(prefix="warden-bench-dist-") as tmpdir:
        tmp = Path(tmpdir)
        www = tmp / "www"
        www.mkdir()
        (www / "1k.txt").write_bytes(os.urandom(512).hex().encode())
        token = tmp / "token"
        token.write_text(secrets.token_urlsafe(32))
        with nginx(tmp / "nginx", f"root {www};") as port:
            url = f"http://127.0.0.1:{port}"
            print(f"nginx on {url}, 1 KB file; {d}s per run, {c} connections, "
                  f"{os.cpu_count()} cores", file=sys.stderr)  # fmt: skip
            best: dict[str, Figure] = {}

            def keep(fig: Figure) -> None:
                if fig.tool not in best or fig.rps > best[fig.tool].rps:
                    best[fig.tool] = fig

            for round_ in range(opts.repeat):  # interleaved, the best of each: noise is one-sided
                print(f"round {round_ + 1} of {opts.repeat}", file=sys.stderr)
                keep(run_wrk(url, d, c))
                for n in (1, 2):
                    fig, doc = run_warden(
                        url, d, ["--vus", str(c), "--processes", str(n)],
                        f"warden load, {n} process{'es' if n > 1 else ''}",
                    )  # fmt: skip
                    fig.note = f"p99 {doc['latency']['p99_ms']:.2f} ms"
                    keep(fig)
                with remote_workers(tmp, 2, token) as ws:
                    cpu0 = sum(tree_cpu(p) for _, p in ws)
                    fig, doc = run_warden(
                        url, d,
                        ["--vus", str(c), "--workers", ",".join(a for a, _ in ws),
                         "--token-file", str(token)],
                        "warden load, 2 remote workers x 1 process",
                    )  # fmt: skip
                    time.sleep(0.5)  # let the workers reap their processes
                    fig.cpu += sum(tree_cpu(p) for _, p in ws) - cpu0
                    fig.note = f"p99 {doc['latency']['p99_ms']:.2f} ms, controller + workers CPU"
                    keep(fig)
            figures = list(best.values())
            wrk = figures[0]
    print()
    print(f"{'generator':<44} {'requests':>10} {'s':>6} {'CPU s':>7} {'req/s':>9} "
          f"{'req/CPU-s':>10} {'vs wrk':>7}")  # fmt: skip
    for f in figures:
        print(
            f"{f.tool:<44} {f.requests:>10,} {f.seconds:>6.1f} {f.cpu:>7.2f} {f.rps:>9,.0f} "
            f"{f.per_cpu:>10,.0f} {f.per_cpu / wrk.per_cpu:>7.2f}"
            + (f"  ({f.note})" if f.note else "")
        )
    one, two = figures[1], figures[2]
    print(
        f"\n2 processes / 1 process, throughput: {two.rps / one.rps:.2f}x (goal: at least 1.8x); "
        f"requests per CPU-second: {two.per_cpu / one.per_cpu:.2f}x"
    )


def shutil_which(tool: str) -> str | None:
    import shutil

    return shutil.which(tool) or (
        f"/usr/sbin/{tool}" if Path(f"/usr/sbin/{tool}").exists() else None
    )


if __name__ == "__main__":
    main()
