"""How many ``browser`` monitors this machine holds: CPU and memory per browser check.

Serves a small shop page (HTML, a stylesheet, a script that builds a list, an image) from
nginx on 127.0.0.1 (a Python server when nginx is missing), then:

1. runs ``--checks`` checks one after another through ``BrowserProbe`` (one shared Chromium)
   and reports each check's wall time and CPU time, counted over the whole process tree
   (this process, the Playwright driver, Chromium and its renderers, including the renderers
   that have exited), and the memory of that tree (RSS and PSS: Chromium's processes share
   pages, so RSS adds some up twice);
2. runs ``--monitors`` monitors at a 1-minute interval for ``--minutes`` minutes, each first
   check at a random offset within the minute as the scheduler spreads them, through a pool of
   ``--contexts`` pages, and reports whether every check ran on time (its wait for a free
   page), its latency and the CPU the tree used.

The estimate is how many monitors at a 1-minute interval fit in 70 % of the CPUs at the
measured CPU per check (and in the pool at the measured latency).

    .venv/bin/python bench/browser_capacity.py --checks 30 --monitors 50 --minutes 1
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import http.server
import os
import random
import statistics
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil

from _common import nginx, nginx_binary
from warden.probes import ProbeDeps
from warden.probes.browser import BrowserConfig, BrowserProbe
from warden.results import CheckResult

CHROMIUM = "/usr/bin/chromium"
TARGET_CPU = 0.7
PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Shop</title>
<link rel="stylesheet" href="/style.css"><script src="/app.js" defer></script></head>
<body><header><h1>Winter sale</h1><img src="/logo.svg" width="120" height="40" alt="logo">
</header><main><p>Socks, shoes and hats for the cold months.</p><ul id="items"></ul></main>
</body></html>
"""
ASSETS = {
    "index.html": PAGE,
    "style.css": "body{font:16px sans-serif;margin:0}header{background:#234;color:#fff;"
    "padding:12px}li{padding:4px 12px;border-bottom:1px solid #ddd}",
    "app.js": "var ul=document.getElementById('items');for(var i=0;i<300;i++){"
    "var li=document.createElement('li');li.textContent='Item '+i+' - '+(i*7%97)+' EUR';"
    "ul.appendChild(li);}",
    "logo.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">'
    '<rect width="120" height="40" fill="#c33"/></svg>',
}


@contextlib.contextmanager
def serve(root: Path) -> Iterator[tuple[str, str]]:
    """Yield (page URL, server name)."""
    for name, text in ASSETS.items():
        (root / name).write_text(text)
    if nginx_binary() is not None:
        with nginx(root / "nginx", f"location / {{ root {root}; }}") as port:
            yield f"http://127.0.0.1:{port}/index.html", "nginx (1 worker)"
        return
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/index.html", "Python (nginx missing)"
    finally:
        server.shutdown()
        server.server_close()


def tree() -> list[psutil.Process]:
    """This process and its descendants, without the target's nginx."""
    me = psutil.Process()
    out = [me]
    for p in me.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if p.name() != "nginx":
                out.append(p)
    return out


def tree_cpu() -> float:
    """CPU seconds of this process and its descendants, with their reaped children."""
    total = 0.0
    for p in tree():
        with contextlib.suppress(psutil.Error):
            t = p.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
    return total


def tree_memory() -> tuple[float, float]:
    """(RSS, PSS) of the tree in MiB."""
    rss = pss = 0
    for p in tree():
        with contextlib.suppress(psutil.Error):
            info = p.memory_full_info()
            rss, pss = rss + info.rss, pss + info.pss
    return rss / 2**20, pss / 2**20


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def make_probe(url: str, deps: ProbeDeps, contexts: int, name: str = "shop") -> BrowserProbe:
    config = BrowserConfig.model_validate(
        {"url": url, "executable_path": CHROMIUM, "contexts": contexts, "screenshots": {"keep": 0}}
    )
    probe = BrowserProbe(name, config, 30.0, deps)
    probe.prepare()
    return probe


async def sequential(url: str, checks: int) -> dict[str, Any]:
    deps = ProbeDeps()
    probe = make_probe(url, deps, 1)
    try:
        for _ in range(3):  # Chromium started, caches of the binary warm
            await probe.check()
        idle_rss, idle_pss = tree_memory()
        walls, cpus, statuses = [], [], Counter[str]()
        for _ in range(checks):
            cpu0, wall0 = tree_cpu(), time.perf_counter()
            result = await probe.check()
            walls.append(time.perf_counter() - wall0)
            cpus.append(tree_cpu() - cpu0)
            statuses[result.status.label] += 1
        rss, pss = tree_memory()
    finally:
        await probe.close()
    return {"walls": walls, "cpus": cpus, "statuses": statuses, "idle": (idle_rss, idle_pss),
            "after": (rss, pss)}  # fmt: skip


async def sustained(url: str, monitors: int, minutes: float, contexts: int) -> dict[str, Any]:
    deps = ProbeDeps()
    probes = [make_probe(url, deps, contexts, f"shop-{i}") for i in range(monitors)]
    results: list[CheckResult] = []
    late: list[float] = []
    peak = [0.0, 0.0]
    rng = random.Random(1)
    try:
        await probes[0].check()  # Chromium running before the clock starts
        start = time.monotonic()
        end = start + minutes * 60
        cpu0 = tree_cpu()

        async def monitor(probe: BrowserProbe) -> None:
            due = start + rng.uniform(0, 60)
            while due < end:
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                late.append(time.monotonic() - due)
                results.append(await probe.check())
                due += 60

        async def sample() -> None:
            while True:
                rss, pss = await asyncio.to_thread(tree_memory)
                peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
                await asyncio.sleep(2)

        sampler = asyncio.create_task(sample())
        await asyncio.gather(*(monitor(p) for p in probes))
        wall = time.monotonic() - start
        cpu = tree_cpu() - cpu0
        sampler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampler
    finally:
        for p in probes:
            await p.close()
    return {"results": results, "late": late, "cpu": cpu, "wall": wall, "peak": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checks", type=int, default=30, help="sequential checks (default 30)")
    parser.add_argument("--monitors", type=int, default=50, help="monitors at 1 min (50)")
    parser.add_argument("--minutes", type=float, default=1.0, help="sustained run (1)")
    parser.add_argument("--contexts", type=int, default=4, help="pages open at once (4)")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit("error: Chromium is not installed (apt-get install chromium)")
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp, serve(Path(tmp)) as (url, server):
        seq = asyncio.run(sequential(url, args.checks))
        run = asyncio.run(sustained(url, args.monitors, args.minutes, args.contexts))
    cpu_check = statistics.mean(seq["cpus"])
    latencies = [r.latency for r in run["results"]]
    queue = [r.phases.get("queue", 0.0) for r in run["results"]]
    statuses = Counter(r.status.label for r in run["results"])
    by_cpu = int(TARGET_CPU * cores * 60 / cpu_check)
    by_pool = int(args.contexts * 60 / statistics.mean(seq["walls"]))
    walls, cpus, late = seq["walls"], seq["cpus"], run["late"]
    rows = [
        ("target", f"{url} via {server}"),
        ("machine", f"{cores} CPUs, {psutil.virtual_memory().total / 2**30:.1f} GiB"),
        ("", ""),
        (f"one check at a time ({args.checks} checks)", ""),
        ("  wall per check p50 / p95", f"{pct(walls, .5):.3f} / {pct(walls, .95):.3f} s"),
        ("  CPU per check, whole tree: mean / p95", f"{cpu_check:.3f} / {pct(cpus, .95):.3f} s"),
        ("  statuses", dict(seq["statuses"])),
        ("  memory idle RSS / PSS", "{:.0f} / {:.0f} MiB".format(*seq["idle"])),
        ("  memory after RSS / PSS", "{:.0f} / {:.0f} MiB".format(*seq["after"])),
        ("", ""),
        (f"{args.monitors} monitors every minute, {args.minutes:g} min, {args.contexts} pages", ""),
        ("  checks run", f"{len(run['results'])} {dict(statuses)}"),
        ("  latency p50 / p95 / max",
         f"{pct(latencies, .5):.3f} / {pct(latencies, .95):.3f} / {max(latencies):.3f} s"),
        ("  wait for a page p95 / max", f"{pct(queue, .95):.3f} / {max(queue):.3f} s"),
        ("  start late p95 / max", f"{pct(late, .95):.3f} / {max(late):.3f} s"),
        ("  CPU used (of all CPUs)", f"{run['cpu'] / run['wall'] / cores:.1%}"),
        ("  peak memory RSS / PSS", "{:.0f} / {:.0f} MiB".format(*run["peak"])),
        ("", ""),
        (f"monitors at 1 min in {TARGET_CPU:.0%} of the CPUs", f"{by_cpu}"),
        (f"monitors at 1 min the pool of {args.contexts} pages runs", f"{by_pool}"),
        ("estimate (goal 50)", f"{min(by_cpu, by_pool)}"),
    ]  # fmt: skip
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}" if key else "")


if __name__ == "__main__":
    main()
