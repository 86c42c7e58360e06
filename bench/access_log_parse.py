"""Access log parsing speed: lines per CPU-second for the nginx format.

Writes a combined log with $request_time and $upstream_response_time (varied paths, statuses
and times), then reads it three ways on the same file, timing CPU (``time.process_time``):

- baseline: a plain Python regex loop (one regex over the combined format, fields converted);
- warden parse: ``warden.traffic.formats`` nginx parser, every line to a Request;
- warden top: ``warden traffic top`` end to end (parse, route templating, per-route stats).

    .venv/bin/python bench/access_log_parse.py --lines 1000000
"""

from __future__ import annotations

import argparse
import random
import re
import tempfile
import time
from pathlib import Path

from warden.traffic.formats import log_format
from warden.traffic.logfile import ReadReport, read_requests
from warden.traffic.top import top_from_log

PLAIN = re.compile(
    r'^(\S+) \S+ (\S+) \[([^\]]+)\] "(\S+) (\S+) ([^"]*)" (\d{3}) (\d+|-) "([^"]*)" "([^"]*)"'
    r" (\S+) (\S+)"
)


def write_log(path: Path, lines: int) -> None:
    rng = random.Random(1)
    paths = ["/", "/health", "/static/app.js", "/api/orders?page=2"]
    with path.open("w") as f:
        for i in range(lines):
            sec = i // 2000
            target = rng.choice(paths) if i % 3 else f"/users/{rng.randint(1, 100_000)}/orders"
            status = 500 if i % 97 == 0 else 200
            rt = rng.expovariate(20)
            f.write(
                f"10.0.{i % 200}.{i % 250} - - [04/Dec/2026:{10 + sec // 3600:02d}:"
                f'{sec // 60 % 60:02d}:{sec % 60:02d} +0000] "GET {target} HTTP/1.1" {status} '
                f'{rng.randint(200, 9000)} "-" "Mozilla/5.0 (X11; Linux x86_64)" '
                f"{rt:.3f} {rt * 0.9:.3f}\n"
            )


def baseline(path: Path) -> int:
    n = 0
    with path.open("rb") as f:
        for raw in f:
            m = PLAIN.match(raw.decode("utf-8", "replace"))
            if m is None:
                continue
            int(m.group(7))
            float(m.group(11))
            n += 1
    return n


def warden_parse(path: Path) -> int:
    report = ReadReport()
    return sum(1 for _ in read_requests(path, log_format("nginx"), report))


def warden_top(path: Path) -> int:
    return int(top_from_log(path, "nginx")["requests"])


def timed(name: str, fn: object, path: Path, runs: int) -> float:
    best = float("inf")
    count = 0
    for _ in range(runs):
        t0 = time.process_time()
        count = fn(path)  # type: ignore[operator]
        best = min(best, time.process_time() - t0)
    rate = count / best
    print(f"{name:<16} {count:>10,} lines  {best:7.2f} CPU-s  {rate:>11,.0f} lines/CPU-s")
    return rate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=500_000)
    ap.add_argument("--runs", type=int, default=3, help="best of N runs")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "access.log"
        write_log(path, args.lines)
        print(
            f"{args.lines:,} nginx lines, {path.stat().st_size / 2**20:.0f} MiB; "
            f"best of {args.runs}"
        )
        base = timed("baseline regex", baseline, path, args.runs)
        parse = timed("warden parse", warden_parse, path, args.runs)
        top = timed("warden top", warden_top, path, args.runs)
        print(
            f"warden parse / baseline: {parse / base:.2f}x; "
            f"warden top / baseline: {top / base:.2f}x"
        )


if __name__ == "__main__":
    main()
