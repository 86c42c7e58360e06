"""Dashboard and API speed with 10,000 monitors and 30 days of history (issue 4's budget).

Builds a SQLite store the way Warden leaves it after 30 days: hourly rollups for 30 days,
minute rollups for the current hour, raw results for the last minutes (bulk inserts; the
rollup bookkeeping in ``warden_meta`` set accordingly) and a state per monitor. Then serves
the real web app with uvicorn on 127.0.0.1 and measures over HTTP:

- the overview: ``GET /`` plus the two API calls its page makes on load
  (``/api/v1/monitors?sparkline=true&limit=100`` and ``/api/v1/status``), cold and warm;
- API calls (a fixed mix), p50/p95/p99 per endpoint and overall, SLOs included (one over
  every monitor, one over a group of 500, a latency SLO over that group); the SLO history is
  read in the background from the start, and the time until it is ready is printed apart;
- optionally (``--browser``) the overview in headless Chromium until its table is live.

    .venv/bin/python bench/web_overview.py                      # 10,000 monitors, 30 days
    .venv/bin/python bench/web_overview.py --monitors 1000 --days 7 --requests 200

The store is cached under bench/results/ (gitignored) and reused when its size matches.
Budget: overview < 1 s, API p95 < 50 ms. No peer tool is named for this figure.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import sqlite3
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

HOUR, MINUTE, DAY = 3600, 60, 86400
RESULTS = Path(__file__).resolve().parent / "results"
PASSWORD = "bench password 123"


def monitor_names(n: int) -> list[str]:
    return [f"svc-{i:05d}" for i in range(n)]


def build_store(path: Path, n: int, days: int, now: float) -> None:
    """Write the monitors and their history straight into SQLite (bounded: n * days * 24 rows)."""
    from warden.store.histogram import bucket_of, encode
    from warden.tables import open_store

    store = open_store(f"sqlite:///{path}")
    store.close()
    rng = random.Random(4)
    hours_until = math.floor((now - 120) / HOUR) * HOUR
    minutes_until = math.floor((now - 120) / MINUTE) * MINUTE
    start = hours_until - days * DAY
    hists = []
    for k in range(16):
        base = 0.02 + k * 0.01
        counts: dict[int, int] = {}
        for j in range(60):
            b = bucket_of(base * (1 + (j % 10) / 10))
            counts[b] = counts.get(b, 0) + 1
        hists.append((base, encode(counts)))
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    names = monitor_names(n)
    conn.executemany(
        "INSERT INTO monitors (id, name, type, group_name, target, created_at)"
        " VALUES (?,?,?,?,?,?)",
        [
            (i + 1, name, "tcp", f"team-{i % 20}", f"tcp://10.0.{i // 250}.{i % 250}:443", start)
            for i, name in enumerate(names)
        ],
    )

    def hour_rows() -> Iterator[tuple[Any, ...]]:
        for mid in range(1, n + 1):
            flaky = mid % 50 == 0
            for h in range(days * 24):
                base, hist = hists[(mid + h) % 16]
                down = rng.randint(1, 5) if flaky and h % 37 == 0 else 0
                yield (
                    mid,
                    HOUR,
                    start + h * HOUR,
                    60,
                    60 - down,
                    0,
                    down,
                    base * 60 * 1.45,
                    base,
                    base * 1.9,
                    hist,
                )

    def minute_rows() -> Iterator[tuple[Any, ...]]:
        for mid in range(1, n + 1):
            base = hists[mid % 16][0]
            t = hours_until
            while t < minutes_until:
                yield (mid, MINUTE, t, 1, 1, 0, 0, base, base, base, f"{bucket_of(base)}:1")
                t += MINUTE

    insert = "INSERT INTO result_rollups VALUES (?,?,?,?,?,?,?,?,?,?,?)"
    conn.executemany(insert, hour_rows())
    conn.executemany(insert, minute_rows())
    raw = []
    for mid in range(1, n + 1):
        t = minutes_until + (mid % 60)
        while t < now:
            status = 2 if mid % 500 == 0 else 0
            raw.append((mid, t, status, 0.03, "refused" if status else "", 0.001, 0.004, 0.02))
            t += MINUTE
    conn.executemany(
        "INSERT INTO check_results (monitor_id, ts, status, latency, error, dns, connect, ttfb,"
        " attempt) VALUES (?,?,?,?,?,?,?,?,1)",
        raw,
    )
    conn.executemany(
        "INSERT INTO monitor_state (monitor_id, status, since, last_ts, failures, latency, error,"
        " message) VALUES (?,?,?,?,?,?,?,?)",
        [
            (
                mid,
                2 if mid % 500 == 0 else 0,
                start + (mid % 97) * HOUR,
                now - 30,
                1 if mid % 500 == 0 else 0,
                0.03,
                "refused" if mid % 500 == 0 else "",
                "connection refused" if mid % 500 == 0 else None,
            )
            for mid in range(1, n + 1)
        ],
    )
    for key, value in (
        ("rolled_hours_until", hours_until),
        ("rolled_minutes_until", minutes_until),
        ("raw_horizon", minutes_until),
        ("minute_horizon", hours_until),
        ("bench_monitors", n),
        ("bench_days", days),
    ):
        conn.execute("INSERT OR REPLACE INTO warden_meta VALUES (?, ?)", (key, repr(float(value))))
    conn.commit()
    conn.close()


def cached(path: Path, n: int, days: int) -> bool:
    if not path.exists():
        return False
    try:
        with sqlite3.connect(path) as conn:
            meta = dict(conn.execute("SELECT key, value FROM warden_meta").fetchall())
    except sqlite3.Error:
        return False
    return meta.get("bench_monitors") == repr(float(n)) and meta.get("bench_days") == repr(
        float(days)
    )


class Server:
    """The web app over an App (not scheduling: states come from the store) in a thread."""

    def __init__(self, path: Path, n: int) -> None:
        self.path, self.n = path, n
        self.url = ""
        self.ready = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.server: Any = None

    def run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        from argon2 import PasswordHasher

        from warden.config.schema import build_model
        from warden.engine import heap
        from warden.engine.app import App
        from warden.engine.state import StateTracker
        from warden.tables import open_store
        from warden.web.app import create_web_app
        from warden.web.server import bind, make_server
        from warden.web.users import Role, UserBook, UserError

        names = monitor_names(self.n)
        cfg = build_model().model_validate(
            {
                "monitors": [
                    {
                        "name": name,
                        "group": f"team-{i % 20}",
                        "labels": {"tier": str(i % 3)},
                        "tcp": {"host": f"10.0.{i // 250}.{i % 250}", "port": 443},
                    }
                    for i, name in enumerate(names)
                ],
                "slos": [
                    {"name": "all", "objective": 99.9},
                    {"name": "team-3", "group": "team-3", "objective": 99.5},
                    {"name": "team-3-fast", "group": "team-3", "objective": 99, "latency": 0.05},
                ],
            }
        )
        store = open_store(f"sqlite:///{self.path}")
        app = App(cfg, store)
        app.tracker = StateTracker({}, store.states())
        book = UserBook(store.engine, PasswordHasher(time_cost=1, memory_cost=1024))
        try:
            book.add_user("bench", PASSWORD, Role.ADMIN)
        except UserError:
            book.set_password("bench", PASSWORD)
        sock = bind("127.0.0.1:0")
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        self.server = make_server(create_web_app(app, book=book))
        self.loop = asyncio.get_running_loop()
        task = asyncio.create_task(self.server.serve(sockets=[sock]))
        for _ in range(500):
            if self.server.started:
                break
            await asyncio.sleep(0.01)
        heap.settle()  # as `warden up` does once it has started
        self.ready.set()
        await task
        store.close()

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def timed(client: httpx.Client, path: str) -> float:
    t0 = time.perf_counter()
    r = client.get(path)
    elapsed = time.perf_counter() - t0
    if r.status_code != 200:
        raise SystemExit(f"{path}: HTTP {r.status_code} {r.text[:200]}")
    return elapsed


def overview_once(client: httpx.Client) -> float:
    return sum(
        timed(client, p)
        for p in ("/", "/api/v1/monitors?sparkline=true&limit=100", "/api/v1/status")
    )


def browser_overview(url: str, cookie: str) -> float:
    from playwright.sync_api import sync_playwright

    args = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        context = browser.new_context()
        context.add_cookies([{"name": "warden_session", "value": cookie, "url": url}])
        page = context.new_page()
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            page.goto(f"{url}/")
            page.wait_for_selector("#live:has-text('updated')", timeout=30_000)
            times.append(time.perf_counter() - t0)
        browser.close()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--monitors", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--requests", type=int, default=1000, help="API calls in the mix.")
    parser.add_argument("--browser", action="store_true", help="Also time Chromium (/usr/bin).")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"web-{args.monitors}x{args.days}d.db"
    now = time.time()
    if not cached(path, args.monitors, args.days):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        t0 = time.perf_counter()
        build_store(path, args.monitors, args.days, now)
        print(
            f"built store: {args.monitors} monitors x {args.days} days in "
            f"{time.perf_counter() - t0:.0f} s, {path.stat().st_size / 1e6:.0f} MB"
        )
    else:
        print(f"reusing {path} ({path.stat().st_size / 1e6:.0f} MB)")
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT count(*) FROM result_rollups").fetchone()[0]
        raw = conn.execute("SELECT count(*) FROM check_results").fetchone()[0]
    print(f"history: {rows:,} rollup rows, {raw:,} raw results")

    server = Server(path, args.monitors)
    thread = threading.Thread(target=server.run, daemon=True)
    started = time.perf_counter()
    thread.start()
    if not server.ready.wait(300):
        raise SystemExit("the web app did not start")
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            login = client.post("/login", data={"username": "bench", "password": PASSWORD})
            if login.status_code != 303:
                raise SystemExit(f"login failed: {login.status_code}")
            # the web app reads SLO history in the background from its start; wait for it
            # (the first SLO call blocks until then) so the timings below are not shared with it
            timed(client, "/api/v1/slos")
            print(
                "SLO history read in the background from the start: ready "
                f"{(time.perf_counter() - started) * 1000:.0f} ms after start"
            )
            cold = overview_once(client)
            warm = [overview_once(client) for _ in range(20)]
            print(f"overview (GET / + its 2 API calls), cold: {cold * 1000:.0f} ms")
            print(
                f"overview warm: median {statistics.median(warm) * 1000:.0f} ms, "
                f"max {max(warm) * 1000:.0f} ms   (budget 1000 ms)"
            )
            for path in ("/api/v1/slos/all", "/api/v1/slos/team-3-fast"):
                print(f"{path} first call: {timed(client, path) * 1000:.0f} ms")
            rng = random.Random(7)
            names = monitor_names(args.monitors)
            mix = [
                ("monitors?limit=100", lambda: "/api/v1/monitors?limit=100"),
                ("monitors?state=down", lambda: "/api/v1/monitors?state=down"),
                ("monitors?group&label", lambda: "/api/v1/monitors?group=team-3&label=tier=1"),
                ("monitors/{name}", lambda: f"/api/v1/monitors/{rng.choice(names)}"),
                (
                    "monitors/{name}/results",
                    lambda: f"/api/v1/monitors/{rng.choice(names)}/results",
                ),
                (
                    "monitors/{name}/latency",
                    lambda: f"/api/v1/monitors/{rng.choice(names)}/latency",
                ),
                ("monitors/{name}/uptime", lambda: f"/api/v1/monitors/{rng.choice(names)}/uptime"),
                (
                    "monitors/{name}/history",
                    lambda: f"/api/v1/monitors/{rng.choice(names)}/history",
                ),
                ("status", lambda: "/api/v1/status"),
                ("slos", lambda: "/api/v1/slos"),
                ("slos/{name}", lambda: f"/api/v1/slos/{rng.choice(['all', 'team-3'])}"),
            ]
            per: dict[str, list[float]] = {label: [] for label, _ in mix}
            for i in range(args.requests):
                label, make = mix[i % len(mix)]
                per[label].append(timed(client, make()))
            every = [t for ts in per.values() for t in ts]
            print(f"API mix, {len(every)} calls, one client:")
            for label, ts in per.items():
                print(
                    f"  {label:28s} p50 {statistics.median(ts) * 1000:6.1f} ms   "
                    f"p95 {percentile(ts, 0.95) * 1000:6.1f} ms"
                )
            print(
                f"  {'all':28s} p50 {statistics.median(every) * 1000:6.1f} ms   "
                f"p95 {percentile(every, 0.95) * 1000:6.1f} ms   "
                f"p99 {percentile(every, 0.99) * 1000:6.1f} ms   (budget p95 50 ms)"
            )
            metrics = [timed(client, "/metrics") for _ in range(5)]
            print(
                f"/metrics ({args.monitors} monitors): median "
                f"{statistics.median(metrics) * 1000:.0f} ms"
            )
            if args.browser:
                cookie = client.cookies.get("warden_session") or ""
                took = browser_overview(server.url, cookie)
                print(f"overview in Chromium until live (median of 5): {took * 1000:.0f} ms")
    finally:
        server.stop()
        thread.join(10)


if __name__ == "__main__":
    main()
