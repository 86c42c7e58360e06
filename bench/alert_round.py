"""Cost of one alert evaluation round with a full day of history in the store.

A short ``bench/scale.py`` run holds a minute of results, so it cannot show what a round costs
once the store holds the built-in rules' longest windows (a day for certificate expiry, an hour
for the error rate, 30 minutes for flapping). This bench writes that history straight into a
SQLite store (N monitors, one result every ``--interval`` for ``--hours``; a tenth of them are
HTTPS monitors whose results carry ``cert_days_left``), then times rounds of the built-in rule
pack: the round's wall time, and its CPU time.

    .venv/bin/python bench/alert_round.py --monitors 1000 --hours 24 --interval 30
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from warden.alerting.evaluator import Evaluator
from warden.alerting.rules import EvalContext
from warden.alerting.service import build_rules
from warden.config.loader import parse_config
from warden.engine.app import monitor_info
from warden.results import CheckResult, Status
from warden.store import schema
from warden.store.protocol import MonitorState
from warden.tables import open_store

MAX_ROWS = 20_000_000


def config_text(n: int, interval: float) -> str:
    lines = ["monitors:"]
    for i in range(n):
        scheme = "https" if i % 10 == 0 else "http"
        lines.append(f"  - name: m{i}\n    interval: {interval:g}s")
        lines.append(f"    http: {{url: '{scheme}://127.0.0.1:9/{i}'}}")
    return "\n".join(lines) + "\n"


def fill(store: object, n: int, hours: float, interval: float, now: float) -> int:
    """History rows written in bulk (the store's own insert path is for live batches)."""
    engine = store.engine  # type: ignore[attr-defined]
    ids = store._monitor_ids  # type: ignore[attr-defined]
    rng = random.Random(7)
    steps = int(hours * 3600 / interval)
    total = 0
    with engine.begin() as conn:
        for step in range(steps):
            ts = now - (steps - step) * interval
            rows = []
            for i in range(n):
                down = rng.random() < 0.002
                rows.append(
                    {
                        "monitor_id": ids[f"m{i}"],
                        "ts": ts + (i % 997) * interval / 997,
                        "status": 2 if down else 0,
                        "latency": rng.lognormvariate(-3.0, 0.5),
                        "error": "timeout" if down else "",
                        "message": "timed out" if down else "",
                        "metrics": json.dumps({"cert_days_left": 40.0}) if i % 10 == 0 else None,
                        "attempt": 1,
                    }
                )
            conn.execute(insert(schema.check_results), rows)
            total += len(rows)
    return total


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--monitors", type=int, default=1000)
    ap.add_argument("--hours", type=float, default=24.0)
    ap.add_argument("--interval", type=float, default=30.0)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    rows = args.monitors * args.hours * 3600 / args.interval
    if rows > MAX_ROWS or args.rounds > 20:
        sys.exit(f"at most {MAX_ROWS:,} rows and 20 rounds (asked {rows:,.0f} rows)")
    cfg = parse_config(config_text(args.monitors, args.interval), "bench.yaml", {})
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'w.db'}")
        store.sync_monitors([monitor_info(m) for m in cfg.monitors])
        now = time.time()
        t0 = time.perf_counter()
        written = fill(store, args.monitors, args.hours, args.interval, now)
        print(f"history: {written:,} results in {time.perf_counter() - t0:.1f} s", flush=True)
        states = {
            m.name: MonitorState(m.name, Status.UP, now - 86400, now, 0, 0.05) for m in cfg.monitors
        }
        evaluator = Evaluator(build_rules(cfg))
        for r in range(args.rounds):
            at = now + r * cfg.alerting.query_interval
            store.write([CheckResult(m.name, Status.UP, 0.05, at - 1) for m in cfg.monitors[:1]])
            ctx = EvalContext(at, store, cfg.monitors, states)
            w0, c0 = time.perf_counter(), cpu()
            changes, _, _ = evaluator.evaluate(ctx)
            wall, used = time.perf_counter() - w0, cpu() - c0
            print(
                f"round {r + 1}: {wall:.2f} s wall, {used:.2f} s CPU, "
                f"{len(evaluator.alerts):,} alert instances, {len(changes)} changes",
                flush=True,
            )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS {peak:.0f} MiB")
        store.close()


if __name__ == "__main__":
    main()
