"""Requests completed per CPU-second of the load generator: warden load against wrk and Locust.

Starts nginx (Debian's nginx-light) with a temporary config on 127.0.0.1 serving a 1 KB file,
then runs, one after the other and for the same duration and number of connections:

- wrk (Debian), one thread per core;
- Locust's FastHttpUser, headless, one process (its usual mode), no wait time;
- ``warden load run`` in the closed model (one user per connection, like wrk), one worker
  process per core;
- ``warden load run`` in the open model at a fixed rate (default: half the closed model's
  rate), to show what the intended-time measurement costs.

The CPU time of each generator is what its process tree used, read with
``getrusage(RUSAGE_CHILDREN)`` around the run (every worker is reaped by its parent, so it
counts). Prints requests, CPU-seconds, requests per CPU-second, and warden's ratio to wrk from
this same run. Loopback only; every run is bounded in time.

    python bench/load_throughput.py [--duration 10] [--connections 50]
        [--locust-python /path/to/python-with-locust]

Locust is in requirements-bench.lock (``make bench`` installs it into the venv).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from _common import nginx

LOCUSTFILE = """
from locust import FastHttpUser, constant, task


class OneFile(FastHttpUser):
    wait_time = constant(0)

    @task
    def get(self):
        self.client.get("/1k.txt")
"""


@dataclass
class Figure:
    tool: str
    requests: int
    wall: float
    cpu: float
    note: str = ""

    @property
    def per_cpu(self) -> float:
        return self.requests / self.cpu if self.cpu else 0.0


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measured(
    cmd: Sequence[str], timeout: float, cwd: Path | None = None
) -> tuple[str, float, float]:
    """Run ``cmd``; returns (stdout, wall seconds, CPU seconds of its whole process tree)."""
    cpu0, t0 = children_cpu(), time.monotonic()
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd, check=False
    )
    wall, cpu = time.monotonic() - t0, children_cpu() - cpu0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return proc.stdout, wall, cpu


def ensure_tools() -> None:
    missing = [p for p, b in (("nginx-light", "nginx"), ("wrk", "wrk")) if not _which(b)]
    if missing:
        print(f"installing {' '.join(missing)} (apt-get)", file=sys.stderr)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True)


def _which(binary: str) -> str | None:
    return shutil.which(binary) or (
        f"/usr/sbin/{binary}" if Path(f"/usr/sbin/{binary}").exists() else None
    )


def run_wrk(url: str, duration: int, connections: int, threads: int) -> Figure:
    out, wall, cpu = measured(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", f"{url}/1k.txt"],
        timeout=duration + 60,
    )
    m = re.search(r"(\d+) requests in", out)
    if not m:
        raise SystemExit(f"cannot read wrk's output:\n{out}")
    return Figure(f"wrk -t{threads} -c{connections}", int(m.group(1)), wall, cpu)


def run_locust(url: str, duration: int, connections: int, python: str, tmp: Path) -> Figure:
    (tmp / "locustfile.py").write_text(LOCUSTFILE)
    cmd = [
        python, "-m", "locust", "-f", str(tmp / "locustfile.py"), "--headless",
        "-u", str(connections), "-r", str(connections), "-t", f"{duration}s", "--host", url,
        "--only-summary", "--csv", str(tmp / "locust"), "--loglevel", "ERROR",
    ]  # fmt: skip
    _, wall, cpu = measured(cmd, timeout=duration + 90, cwd=tmp)
    with (tmp / "locust_stats.csv").open() as f:
        rows = {r["Name"]: r for r in csv.DictReader(f)}
    requests = int(rows["Aggregated"]["Request Count"])
    return Figure(f"Locust FastHttpUser, {connections} users", requests, wall, cpu)


def run_warden(url: str, duration: int, args: list[str], label: str) -> tuple[Figure, dict]:  # type: ignore[type-arg]
    cmd = [
        sys.executable, "-m", "warden.cli", "load", "run", f"{url}/1k.txt", "-d", f"{duration}s",
        "--json", "--no-monitor", *args,
    ]  # fmt: skip
    out, wall, cpu = measured(cmd, timeout=duration + 90)
    doc = json.loads(out)
    if doc["errors"]:
        raise SystemExit(f"warden load saw errors: {doc['errors']}")
    return Figure(label, doc["requests"], wall, cpu), doc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per tool (10)")
    parser.add_argument("--connections", type=int, default=50, help="connections/users (50)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="cores")
    parser.add_argument("--open-rate", type=float, default=None, help="open model rate")
    parser.add_argument("--locust-python", default=sys.executable, help="python with locust")
    parser.add_argument("--skip-locust", action="store_true")
    opts = parser.parse_args()
    ensure_tools()
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="warden-bench-load-") as tmpdir:
        tmp = Path(tmpdir)
        www = tmp / "www"
        www.mkdir()
        (www / "1k.txt").write_bytes(os.urandom(512).hex().encode())  # 1024 bytes
        with nginx(tmp / "nginx", f"root {www};") as port:
            url = f"http://127.0.0.1:{port}"
            print(
                f"nginx on {url}, 1 KB file; {opts.duration}s per tool, "
                f"{opts.connections} connections, {opts.workers} cores",
                file=sys.stderr,
            )
            wrk = run_wrk(url, opts.duration, opts.connections, opts.workers)
            figures.append(wrk)
            if not opts.skip_locust:
                try:
                    figures.append(
                        run_locust(url, opts.duration, opts.connections, opts.locust_python, tmp)
                    )
                except (SystemExit, FileNotFoundError, KeyError) as exc:
                    print(f"Locust skipped: {exc} (make bench installs it)", file=sys.stderr)
            closed, doc = run_warden(
                url, opts.duration,
                ["--vus", str(opts.connections), "--workers", str(opts.workers)],
                f"warden load, closed, {opts.connections} VUs, {opts.workers} workers",
            )  # fmt: skip
            closed.note = (
                f"self-reported {doc['generator']['requests_per_cpu_second']:,.0f} req/CPU-s, "
                f"p99 {doc['latency']['p99_ms']:.2f} ms"
            )
            figures.append(closed)
            rate = opts.open_rate or round(closed.requests / opts.duration * 0.5, -2)
            opened, odoc = run_warden(
                url, opts.duration,
                ["--rate", str(rate), "--workers", str(opts.workers),
                 "--connections", str(opts.connections * 4)],
                f"warden load, open, {rate:,.0f} req/s",
            )  # fmt: skip
            opened.note = (
                f"late {odoc['late']:,}, dropped {odoc['dropped']:,}, "
                f"p99 {odoc['latency']['p99_ms']:.2f} ms"
            )
            figures.append(opened)
    print()
    print(
        f"{'generator':<48} {'requests':>10} {'wall s':>7} {'CPU s':>7} {'req/s':>9} "
        f"{'req/CPU-s':>10} {'vs wrk':>7}"
    )
    for f in figures:
        print(
            f"{f.tool:<48} {f.requests:>10,} {f.wall:>7.1f} {f.cpu:>7.2f} "
            f"{f.requests / opts.duration:>9,.0f} {f.per_cpu:>10,.0f} "
            f"{f.per_cpu / wrk.per_cpu:>7.2f}" + (f"  ({f.note})" if f.note else "")
        )
    ratio = figures[-2].per_cpu / wrk.per_cpu
    print(
        f"\nwarden load (closed model) / wrk, requests per CPU-second, same run: {ratio:.2f} "
        f"(goal: at least 0.50)"
    )


if __name__ == "__main__":
    main()
