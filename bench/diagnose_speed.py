"""How long ``warden diagnose`` takes on a realistic store, and how well a plain threshold
does by comparison.

A SQLite store holds 7 days of one check a minute for one HTTP monitor (latency with timing
phases, noise and a daily cycle) and a minute of host CPU, memory and disk, PostgreSQL
connections and cache hit ratio, Redis clients and evictions, request rates: 10,080 results
and about 100,000 samples. On day 7 at 14:00 the host CPU jumps from ~30 % to ~90 % and ttfb
triples. Reported: the time of ``diagnose`` over 6 h, 24 h and 7 d ending 3 h after the onset
(median of 5),
whether the CPU ranks first, and the onset found against the planted one.

The peer here is the usual first response: a static "p95 above 2x yesterday's" threshold,
which says *that* it got slow (and when it crossed), not *why*; its detection time is shown.

    .venv/bin/python bench/diagnose_speed.py
"""

from __future__ import annotations

import math
import random
import statistics
import tempfile
import time
from pathlib import Path

from warden.config.schema import build_model
from warden.diagnose.service import diagnose
from warden.engine.app import monitor_info
from warden.results import CheckResult, Sample, Status
from warden.tables import open_store

DAY = 86400.0
T0 = 1_764_000_000.0
ONSET = T0 + 6 * DAY + 14 * 3600


def build(db: Path) -> tuple[object, object]:
    cfg = build_model().model_validate({"monitors": [
        {"name": "api", "http": {"url": "http://127.0.0.1:9/"}}]})  # fmt: skip
    store = open_store(f"sqlite:///{db}")
    store.sync_monitors([monitor_info(m) for m in cfg.monitors])
    rng = random.Random(7)
    results, samples = [], []
    for i in range(7 * 1440):
        t = T0 + i * 60
        after = t >= ONSET
        cycle = 1 + 0.2 * math.sin(2 * math.pi * (t % DAY) / DAY)
        ttfb = 0.020 * cycle * (3 if after else 1) * rng.uniform(0.9, 1.1)
        phases = {"connect": 0.001 * rng.uniform(0.8, 1.2), "ttfb": ttfb, "transfer": 0.0005}
        results.append(CheckResult("api", Status.UP, sum(phases.values()), t, phases=phases))
        cpu = (90 if after else 30) * rng.uniform(0.95, 1.05)
        for name, labels, value in (
            ("host_cpu_percent", {"cpu": "total"}, cpu),
            ("host_memory_used_percent", {}, 55 * rng.uniform(0.98, 1.02)),
            ("host_disk_busy_percent", {"disk": "sda"}, 8 * rng.uniform(0.8, 1.2)),
            ("postgres_connections_percent", {}, 20 * rng.uniform(0.9, 1.1)),
            ("postgres_cache_hit_ratio", {}, 0.99),
            ("redis_clients_percent", {}, 3.0),
            ("redis_evicted_keys_total", {}, float(i)),
            ("http_requests_per_second", {"service": "api"}, 40 * cycle * rng.uniform(0.9, 1.1)),
        ):
            samples.append(Sample(name, labels, value, t))
        if len(results) >= 1440:
            store.write(results, samples)
            results, samples = [], []
    store.write(results, samples)
    return cfg, store


def threshold_detection(store: object) -> float | None:
    """When "p95 over the last 5 min > 2x yesterday's p95" first holds (a static alert)."""
    got = sorted(store.results("api", ONSET - 3600, ONSET + 3600), key=lambda r: r.time)  # type: ignore[attr-defined]
    base = sorted(r.latency for r in store.results("api", ONSET - DAY, ONSET - DAY + 3600))  # type: ignore[attr-defined]
    limit = 2 * base[int(0.95 * len(base))]
    for k in range(5, len(got)):
        window = sorted(r.latency for r in got[k - 5 : k])
        if window[-1] > limit and window[int(0.95 * 5)] > limit:
            return got[k - 1].time
    return None


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        cfg, store = build(Path(tmp) / "d.db")
        print(f"store built in {time.perf_counter() - t:.1f} s (10,080 results, 80,640 samples)")
        print(f"{'window':>8} {'median s':>9} {'first hypothesis':<40} {'onset error':>12}")
        end = ONSET + 3 * 3600  # every window holds the onset
        for label, span in (("6h", 6 * 3600), ("24h", DAY), ("7d", 7 * DAY)):
            times, got = [], {}
            for _ in range(5):
                t = time.perf_counter()
                got = diagnose(cfg, store, "api", since=end - span, until=end)
                times.append(time.perf_counter() - t)
            first = got["hypotheses"][0]["kind"] if got["hypotheses"] else "-"
            onset = got["onset"]
            err = "-" if onset is None else f"{(onset - ONSET) / 60:+.0f} min"
            print(f"{label:>8} {statistics.median(times):>9.3f} {first:<40} {err:>12}")
        crossed = threshold_detection(store)
        said = "-" if crossed is None else f"{(crossed - ONSET) / 60:+.0f} min, no cause"
        print(f"peer: static 2x-p95 threshold fires at {said}")
        store.close()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
