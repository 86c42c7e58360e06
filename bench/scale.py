"""Scale of ``warden up``: N HTTP monitors against nginx on loopback, the whole engine measured.

Runs the real App (scheduler, http probe, state, SQLite store in WAL mode) in this process for
a bounded time and prints: checks per second achieved against the schedule, CPU share of one
core, checks per CPU-second (every thread of the process: probes, scheduler, store writer),
peak RSS, scheduler lag, and store growth per million results. In the same run, the Prometheus
blackbox exporter (Debian) probes the same target at the same rate, and its CPU is read from
/proc. Goal (issue 2): 10,000 monitors at a 30 s interval on one core, under 50 % of that core
and under 400 MB RSS.

    .venv/bin/python bench/scale.py --monitors 10000 --interval 30 --duration 90
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from http_probe_cpu import measure_blackbox, target_server
from warden.config import parse_config
from warden.engine.app import App
from warden.engine.wiring import build_services
from warden.tables import open_store

MAX_MONITORS, MAX_DURATION = 50_000, 600


def config_text(url: str, n: int, interval: float, db: Path) -> str:
    lines = [f"store: {{url: 'sqlite:///{db}'}}", "engine: {concurrency: 500}", "monitors:"]
    for i in range(n):
        lines.append(f"  - name: m{i}\n    interval: {interval:g}s\n    timeout: 5s")
        lines.append(f"    http: {{url: '{url}?m={i}', expect: {{status: [200]}}}}")
    return "\n".join(lines) + "\n"


def db_bytes(db: Path) -> int:
    """Bytes the store takes once its WAL is folded back into the database file."""
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def run(args: argparse.Namespace, url: str, db: Path) -> dict[str, float]:
    t0 = time.perf_counter()
    cfg = parse_config(config_text(url, args.monitors, args.interval, db), "bench.yaml", {})
    load_s = time.perf_counter() - t0
    store = open_store(f"sqlite:///{db}")
    services = build_services(cfg, store) if args.services else []
    app = App(cfg, store, services=services)
    await app.start()
    warmup = min(args.interval, 10.0) + 2.0  # first checks are spread over min(interval, 10 s)
    await asyncio.sleep(warmup)
    await app.flush()
    c0, n0, s0, b0, w0 = (
        cpu_seconds(),
        app.stats.checks,
        app.stats.stored_results,
        db_bytes(db),
        time.perf_counter(),
    )
    app.stats.max_lag = 0.0
    await asyncio.sleep(args.duration)
    await app.flush()
    c1, n1, s1, b1, w1 = (
        cpu_seconds(),
        app.stats.checks,
        app.stats.stored_results,
        db_bytes(db),
        time.perf_counter(),
    )
    states = app.states()
    await app.shutdown()
    store.close()
    up = sum(1 for s in states if s.status.label == "up")
    return {
        "load_s": load_s,
        "wall": w1 - w0,
        "cpu": c1 - c0,
        "checks": n1 - n0,
        "stored": s1 - s0,
        "bytes": b1 - b0,
        "lag": app.stats.max_lag,
        "up": up,
        "states": len(states),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--monitors", type=int, default=10_000)
    parser.add_argument("--interval", type=float, default=30.0)
    parser.add_argument("--duration", type=float, default=90.0, help="measured seconds")
    parser.add_argument("--no-blackbox", action="store_true")
    parser.add_argument(
        "--services",
        action="store_true",
        help="also run what warden up runs beside checks (alert evaluation, built-in rules)",
    )
    args = parser.parse_args()
    args.monitors = max(1, min(args.monitors, MAX_MONITORS))
    args.duration = max(5.0, min(args.duration, MAX_DURATION))
    import uvloop

    with tempfile.TemporaryDirectory(prefix="warden-scale-") as tmpdir:
        tmp = Path(tmpdir)
        with target_server(tmp, None) as (url, server):
            print(
                f"{args.monitors:,} http monitors every {args.interval:g}s against {server}; "
                f"measuring {args.duration:g}s after warm-up"
                f"{', with alerting' if args.services else ''}"
            )
            m = uvloop.run(run(args, url, tmp / "warden.db"))
            expected = args.monitors / args.interval
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"config of {args.monitors:,} monitors loaded and validated in {m['load_s']:.2f} s"
            )
            print(
                f"warden: {m['checks'] / m['wall']:,.0f} checks/s (schedule: {expected:,.0f}/s), "
                f"{m['cpu'] / m['wall'] * 100:.1f}% of one core, "
                f"{m['checks'] / m['cpu']:,.0f} checks per CPU-second, peak RSS {rss:.0f} MiB, "
                f"max scheduler lag {m['lag'] * 1000:.0f} ms, {m['up']}/{m['states']} up"
            )
            if m["stored"]:
                per_million = m["bytes"] / m["stored"] * 1e6 / 2**20
                print(
                    f"store: {m['stored']:,} results stored, growth {per_million:,.0f} MiB "
                    f"per million results (SQLite, WAL checkpointed)"
                )
            if not args.no_blackbox:
                checks = int(min(m["checks"], 20_000))
                bb = measure_blackbox(tmp, url, checks, 100, None)
                if bb is None:
                    print("blackbox exporter: not installed (prometheus-blackbox-exporter)")
                else:
                    print(
                        f"blackbox_exporter on the same target: {checks / bb['cpu']:,.0f} probes "
                        f"per CPU-second ({bb['cpu'] / checks * expected * 100:.1f}% of a core "
                        f"at {expected:,.0f}/s), peak RSS {bb['rss']:.0f} MiB"
                    )
                    print("  (its CPU only; the HTTP client driving /probe is not counted)")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
