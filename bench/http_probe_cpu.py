"""CPU cost of the ``http`` probe, against nginx on loopback, next to the blackbox exporter.

Starts nginx (Debian ``nginx-light``; a Python server in a subprocess if nginx is missing) in
another process on 127.0.0.1 with a throwaway prefix, runs a bounded number of checks through
``HttpProbe`` at a fixed concurrency, and prints checks per CPU-second of this process, CPU per
check, the CPU share one core would need for 10,000 monitors at a 30 s interval and peak RSS.
If ``prometheus-blackbox-exporter`` is installed it probes the same target in the same run and
its CPU (read from /proc/<pid>/stat) gives its probes per CPU-second.

    .venv/bin/python bench/http_probe_cpu.py --checks 5000 --concurrency 100
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

from _common import free_port, nginx, nginx_binary, stopping, wait_port
from warden.probes import ProbeDeps
from warden.probes._http_config import HttpConfig
from warden.probes.http import HttpProbe

MAX_CHECKS = 50_000
MONITORS, INTERVAL = 10_000, 30.0
TICKS = os.sysconf("SC_CLK_TCK")

PY_SERVER = """
import asyncio, sys
BODY = (b"HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\nContent-Length: 3\\r\\n"
        b"Connection: close\\r\\n\\r\\nok\\n")
async def handle(reader, writer):
    try:
        await reader.readuntil(b"\\r\\n\\r\\n")
        writer.write(BODY)
        await writer.drain()
    except Exception:
        pass
    finally:
        writer.close()
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]), backlog=4096)
    async with server:
        await server.serve_forever()
asyncio.run(main())
"""


@contextlib.contextmanager
def target_server(
    tmp: Path, tls: tuple[Path, Path] | None, python: bool = False
) -> Iterator[tuple[str, str]]:
    """Yield (target URL, server name) for nginx, or a Python server when nginx is missing."""
    if python or nginx_binary() is None:
        if tls:
            raise SystemExit("error: --tls needs nginx")
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-c", PY_SERVER, str(port)])
        with stopping(proc):
            wait_port(port, proc, "python server")
            why = "" if python else " (nginx missing)"
            yield f"http://127.0.0.1:{port}/", f"a Python asyncio server{why}"
        return
    server = 'location / { default_type text/plain; return 200 "ok\\n"; }'
    if tls:
        server = f"ssl_certificate {tls[0]};\nssl_certificate_key {tls[1]};\n{server}"
    with nginx(tmp / "nginx", server, " ssl" if tls else "") as port:
        scheme = "https" if tls else "http"
        host = "localhost" if tls else "127.0.0.1"
        yield f"{scheme}://{host}:{port}/", "nginx (1 worker)"


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_loop(main: Coroutine[Any, Any, Any], loop_name: str) -> Any:
    if loop_name == "uvloop":
        import uvloop

        return uvloop.run(main)
    return asyncio.run(main)


async def run_checks(make: Callable[[], Any], checks: int, concurrency: int) -> Counter[str]:
    """Run ``checks`` checks through ``concurrency`` workers; count outcomes."""
    outcomes: Counter[str] = Counter()
    left = checks

    async def worker() -> None:
        nonlocal left
        probe = make()
        while left > 0:
            left -= 1
            result = await probe.check()
            label = result.status.label if result.ok else f"{result.error}: {result.message}"
            if (
                result.ok
                and probe.config.url.startswith("https")
                and ("cert_days_left" not in result.metrics)
            ):
                label = "up without cert_days_left"
            outcomes[label] += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return outcomes


def measure_probe(
    url: str, checks: int, concurrency: int, loop_name: str, ca_file: Path | None
) -> dict[str, Any]:
    extra: dict[str, Any] = {"ca_file": str(ca_file)} if ca_file else {}
    config = HttpConfig.model_validate({"url": url, "expect": {"status": 200}, **extra})
    deps = ProbeDeps()

    def make() -> HttpProbe:
        return HttpProbe("bench", config, 10.0, deps)

    run_loop(run_checks(make, min(500, checks), concurrency), loop_name)  # warm-up
    cpu0, wall0 = time.process_time(), time.perf_counter()
    outcomes = run_loop(run_checks(make, checks, concurrency), loop_name)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return {"cpu": cpu, "wall": wall, "outcomes": outcomes}


def proc_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def proc_peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure_blackbox(
    tmp: Path, url: str, checks: int, concurrency: int, ca_file: Path | None
) -> dict[str, Any] | None:
    exe = shutil.which("prometheus-blackbox-exporter")
    if exe is None:
        return None
    import httpx

    config = tmp / "blackbox.yml"
    tls = f"      tls_config:\n        ca_file: {ca_file}\n" if ca_file else ""
    config.write_text(
        "modules:\n  http_2xx:\n    prober: http\n    timeout: 5s\n"
        "    http:\n      preferred_ip_protocol: ip4\n      valid_status_codes: [200]\n" + tls
    )
    port = free_port()
    proc = subprocess.Popen(
        [
            exe,
            f"--config.file={config}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=error",
        ],
        stderr=subprocess.DEVNULL,
    )
    with stopping(proc):
        wait_port(port, proc, "blackbox exporter")
        probe_url = f"http://127.0.0.1:{port}/probe"
        params = {"target": url, "module": "http_2xx"}

        async def drive(n: int) -> Counter[str]:
            outcomes: Counter[str] = Counter()
            left = n
            limits = httpx.Limits(
                max_connections=concurrency, max_keepalive_connections=concurrency
            )
            async with httpx.AsyncClient(limits=limits, timeout=10) as client:

                async def worker() -> None:
                    nonlocal left
                    while left > 0:
                        left -= 1
                        r = await client.get(probe_url, params=params)
                        ok = "probe_success 1" in r.text
                        outcomes["up" if ok else "failed"] += 1

                await asyncio.gather(*(worker() for _ in range(concurrency)))
            return outcomes

        asyncio.run(drive(min(500, checks)))  # warm-up
        cpu0, wall0 = proc_cpu_seconds(proc.pid), time.perf_counter()
        outcomes = asyncio.run(drive(checks))
        cpu, wall = proc_cpu_seconds(proc.pid) - cpu0, time.perf_counter() - wall0
        return {"cpu": cpu, "wall": wall, "outcomes": outcomes, "rss": proc_peak_rss_mib(proc.pid)}


def report(name: str, checks: int, m: dict[str, Any]) -> None:
    per_cpu_s = checks / m["cpu"] if m["cpu"] else float("inf")
    us = m["cpu"] / checks * 1e6
    share = MONITORS / INTERVAL * m["cpu"] / checks * 100
    outcomes = ", ".join(f"{k}={v}" for k, v in m["outcomes"].most_common(3))
    print(
        f"{name:<28} {per_cpu_s:>10,.0f} checks/CPU-s  {us:>7.0f} us CPU/check  "
        f"{checks / m['wall']:>7,.0f} checks/s wall  "
        f"{share:>5.1f}% of a core for {MONITORS:,} @ {INTERVAL:g}s  [{outcomes}]"
    )


def build_many(url: str, n: int) -> tuple[float, float]:
    """Validate and build ``n`` probes; returns (CPU seconds, MiB of RSS growth)."""
    before = Path("/proc/self/statm").read_text().split()[1]
    t0 = time.process_time()
    deps = ProbeDeps()
    probes = [
        HttpProbe(f"m{i}", HttpConfig.model_validate({"url": f"{url}?m={i}"}), 10.0, deps)
        for i in range(n)
    ]
    seconds = time.process_time() - t0
    after = Path("/proc/self/statm").read_text().split()[1]
    assert len(probes) == n
    return seconds, (int(after) - int(before)) * os.sysconf("SC_PAGE_SIZE") / 2**20


def compare(
    tmp: Path, url: str, args: argparse.Namespace, loops: list[str], ca_file: Path | None
) -> None:
    kind = "https" if ca_file else "http"
    checks = max(1, min(args.checks, MAX_CHECKS))
    for loop_name in loops:
        m = measure_probe(url, checks, args.concurrency, loop_name, ca_file)
        report(f"warden {kind} ({loop_name})", checks, m)
    if args.no_blackbox:
        return
    bb = measure_blackbox(tmp, url, checks, args.concurrency, ca_file)
    if bb is None:
        print("blackbox exporter: not installed (prometheus-blackbox-exporter)")
    else:
        report(f"blackbox_exporter {kind}", checks, bb)
        print(f"{'':<28} blackbox peak RSS {bb['rss']:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checks", type=int, default=5000, help=f"per run, at most {MAX_CHECKS}")
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--loop", choices=["asyncio", "uvloop", "both"], default="both")
    parser.add_argument("--tls", action="store_true", help="also measure https (nginx + trustme)")
    parser.add_argument("--no-blackbox", action="store_true")
    parser.add_argument("--python-server", action="store_true", help="serve with Python, not nginx")
    args = parser.parse_args()
    loops = ["asyncio", "uvloop"] if args.loop == "both" else [args.loop]
    checks = max(1, min(args.checks, MAX_CHECKS))
    print(f"python {sys.version.split()[0]}, {checks:,} checks per run, {args.concurrency} at once")
    with tempfile.TemporaryDirectory(prefix="warden-bench-") as tmpdir:
        tmp = Path(tmpdir)
        with target_server(tmp, None, args.python_server) as (url, server):
            print(f"target: {url} served by {server}")
            compare(tmp, url, args, loops, None)
            seconds, mib = build_many(url, MONITORS)
            print(
                f"{MONITORS:,} http probes validated and built: {seconds:.2f} CPU-s, +{mib:.0f} MiB"
            )
        if args.tls:
            import trustme

            ca = trustme.CA()
            cert = ca.issue_cert("localhost")
            cert_file, key_file, ca_file = tmp / "cert.pem", tmp / "key.pem", tmp / "ca.pem"
            cert.cert_chain_pems[0].write_to_path(str(cert_file))
            cert.private_key_pem.write_to_path(str(key_file))
            ca.cert_pem.write_to_path(str(ca_file))
            with target_server(tmp / "tls", (cert_file, key_file)) as (url, server):
                print(f"\ntarget: {url} served by {server}, ECDSA P-256 certificate")
                compare(tmp, url, args, loops, ca_file)
    print(f"\npeak RSS of the probing process: {rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
