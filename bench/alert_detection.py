"""Detection latency: from a target starting to fail to the notification at a webhook sink.

Warden (``interval: 10s``, a state rule with ``for: 30s``, ``group_wait: 0s``) and, when the
Debian packages are installed, Prometheus + blackbox exporter + Alertmanager (``scrape_interval:
10s``, ``evaluation_interval: 10s``, ``for: 30s``, ``group_wait: 0s``) watch the same local HTTP
target. For each outage the target starts answering 503 at a random phase of the check
interval; the script records when each tool's firing notification reaches the sink, restores
the target, waits for both resolved notifications, and goes on. It prints p50/p95/max per tool.

    .venv/bin/python bench/alert_detection.py --outages 20     # about 20 minutes
    .venv/bin/python bench/alert_detection.py --outages 3 --no-prometheus

Everything listens on 127.0.0.1; every wait is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from _common import free_port

INTERVAL, FOR = 10, 30
GOAL = INTERVAL + FOR + 2


class Target:
    """An HTTP target answering 200, or 503 while ``failing``."""

    def __init__(self) -> None:
        self.failing = False
        self.port = 0

    async def start(self) -> None:
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while (await reader.readline()).strip():
                pass
            code = "503 Service Unavailable" if self.failing else "200 OK"
            writer.write(
                f"HTTP/1.1 {code}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".encode()
            )
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


class Sink:
    """Records (tool, status, arrival time) of every webhook POST; tool = the URL path."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, float]] = []
        self.port = 0
        self.changed = asyncio.Event()

    async def start(self) -> None:
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = (await reader.readline()).decode().split()
            length = 0
            while True:
                line = (await reader.readline()).decode().strip()
                if not line:
                    break
                if line.lower().startswith("content-length:"):
                    length = int(line.split(":")[1])
            body = json.loads(await reader.readexactly(length)) if length else {}
            now = time.time()
            tool = request[1].strip("/") if len(request) > 1 else "?"
            self.events.append((tool, str(body.get("status", "?")), now))
            self.changed.set()
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
        finally:
            writer.close()

    async def wait_all(self, tools: list[str], status: str, after: float, deadline: float) -> None:
        """Until every tool's ``status`` notification since ``after`` arrived, or the deadline."""
        while any(self.first(t, status, after) is None for t in tools) and time.time() < deadline:
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), max(0.01, deadline - time.time()))

    def first(self, tool: str, status: str, after: float) -> float | None:
        times = [t for who, st, t in self.events if who == tool and st == status and t >= after]
        return min(times) if times else None


def warden_config(tmp: Path, target: int, sink: int) -> Path:
    path = tmp / "warden.yaml"
    path.write_text(
        f"""
store: {{url: "sqlite:///{tmp}/warden.db"}}
engine: {{jitter: 0}}
monitors:
  - name: target
    interval: {INTERVAL}s
    timeout: 5s
    http: {{url: "http://127.0.0.1:{target}/"}}
alerting: {{builtin_rules: false, evaluation_interval: 5s}}
alerts:
  - name: TargetDown
    state: {{monitors: [target]}}
    for: {FOR}s
    severity: critical
receivers:
  - name: sink
    webhook: [{{url: "http://127.0.0.1:{sink}/warden"}}]
routes:
  - receiver: sink
    group_wait: 0s
    group_interval: 1s
""",
        encoding="utf-8",
    )
    return path


def _wait_ready(url: str, proc: subprocess.Popen[bytes], name: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{name} exited early (code {proc.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{name} did not become ready")


def start_prometheus_stack(tmp: Path, target: int, sink: int) -> list[subprocess.Popen[bytes]]:
    prom, bbx = shutil.which("prometheus"), shutil.which("prometheus-blackbox-exporter")
    am = shutil.which("prometheus-alertmanager")
    if not (prom and bbx and am):
        raise SystemExit("prometheus, prometheus-blackbox-exporter or alertmanager not installed")
    p_prom, p_bbx, p_am = free_port(), free_port(), free_port()
    (tmp / "blackbox.yml").write_text(
        "modules:\n  http_2xx:\n    prober: http\n    timeout: 5s\n", encoding="utf-8"
    )
    (tmp / "am.yml").write_text(
        f"""route:
  receiver: sink
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 4h
receivers:
  - name: sink
    webhook_configs: [{{url: "http://127.0.0.1:{sink}/prometheus", send_resolved: true}}]
""",
        encoding="utf-8",
    )
    (tmp / "rules.yml").write_text(
        f"""groups:
  - name: bench
    rules:
      - alert: TargetDown
        expr: probe_success == 0
        for: {FOR}s
""",
        encoding="utf-8",
    )
    (tmp / "prometheus.yml").write_text(
        f"""global: {{scrape_interval: {INTERVAL}s, evaluation_interval: {INTERVAL}s}}
rule_files: ["{tmp}/rules.yml"]
alerting:
  alertmanagers: [{{static_configs: [{{targets: ["127.0.0.1:{p_am}"]}}]}}]
scrape_configs:
  - job_name: blackbox
    metrics_path: /probe
    params: {{module: [http_2xx]}}
    static_configs: [{{targets: ["http://127.0.0.1:{target}/"]}}]
    relabel_configs:
      - {{source_labels: [__address__], target_label: __param_target}}
      - {{target_label: __address__, replacement: "127.0.0.1:{p_bbx}"}}
""",
        encoding="utf-8",
    )
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    procs = [
        subprocess.Popen(
            [bbx, f"--config.file={tmp}/blackbox.yml", f"--web.listen-address=127.0.0.1:{p_bbx}"],
            **quiet,  # type: ignore[call-overload]
        ),
        subprocess.Popen(
            [am, f"--config.file={tmp}/am.yml", f"--storage.path={tmp}/am",
             f"--web.listen-address=127.0.0.1:{p_am}", "--cluster.listen-address="],
            **quiet,  # type: ignore[call-overload]
        ),
        subprocess.Popen(
            [prom, f"--config.file={tmp}/prometheus.yml", f"--storage.tsdb.path={tmp}/prom",
             f"--web.listen-address=127.0.0.1:{p_prom}"],
            **quiet,  # type: ignore[call-overload]
        ),
    ]  # fmt: skip
    _wait_ready(f"http://127.0.0.1:{p_bbx}/metrics", procs[0], "blackbox exporter")
    _wait_ready(f"http://127.0.0.1:{p_am}/-/ready", procs[1], "alertmanager")
    _wait_ready(f"http://127.0.0.1:{p_prom}/-/ready", procs[2], "prometheus")
    return procs


def summary(name: str, values: list[float]) -> str:
    if not values:
        return f"{name:<28} no notifications"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return (
        f"{name:<28} n={len(values):<3} p50={statistics.median(values):6.1f}s "
        f"p95={p95:6.1f}s max={max(values):6.1f}s  (goal p95 < {GOAL}s)"
    )


async def run(outages: int, with_prometheus: bool, seed: int) -> int:
    from warden.config import load_config
    from warden.engine.app import App
    from warden.engine.wiring import build_services
    from warden.tables import open_store

    rng = random.Random(seed)
    target, sink = Target(), Sink()
    await target.start()
    await sink.start()
    tmp = Path(tempfile.mkdtemp(prefix="warden-bench-"))
    tools = ["warden"] + (["prometheus"] if with_prometheus else [])
    procs = start_prometheus_stack(tmp, target.port, sink.port) if with_prometheus else []
    cfg = load_config(warden_config(tmp, target.port, sink.port))
    store = open_store(cfg.store.url.get_secret_value())
    app = App(cfg, store, services=build_services(cfg, store))
    await app.start()
    latencies: dict[str, list[float]] = {t: [] for t in tools}
    missed: dict[str, int] = {t: 0 for t in tools}
    try:
        print(f"warming up ({3 * INTERVAL}s) ...", file=sys.stderr)
        await asyncio.sleep(3 * INTERVAL)
        for i in range(outages):
            await asyncio.sleep(rng.uniform(0, INTERVAL))  # random phase against the checks
            started = time.time()
            target.failing = True
            await sink.wait_all(tools, "firing", started, started + 3 * (INTERVAL + FOR))
            target.failing = False
            restored = time.time()
            line = [f"outage {i + 1:>2}/{outages}:"]
            for t in tools:
                at = sink.first(t, "firing", started)
                if at is None:
                    missed[t] += 1
                    line.append(f"{t} missed")
                else:
                    latencies[t].append(at - started)
                    line.append(f"{t} {at - started:5.1f}s")
            print(" ".join(line), file=sys.stderr)
            await sink.wait_all(tools, "resolved", restored, restored + 3 * (INTERVAL + FOR))
            await asyncio.sleep(2 * INTERVAL)  # let every state settle to up
    finally:
        await app.shutdown()
        store.close()
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"detection latency, interval {INTERVAL}s, for {FOR}s, {outages} outages:")
    print(
        summary("warden", latencies["warden"])
        + (f", missed {missed['warden']}" if missed["warden"] else "")
    )
    if with_prometheus:
        print(
            summary("prometheus+blackbox+am", latencies["prometheus"])
            + (f", missed {missed['prometheus']}" if missed["prometheus"] else "")
        )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outages", type=int, default=20, help="number of outages (default 20)")
    parser.add_argument("--no-prometheus", action="store_true", help="measure Warden only")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not 1 <= args.outages <= 100:
        parser.error("--outages must be between 1 and 100")
    return asyncio.run(run(args.outages, not args.no_prometheus, args.seed))


if __name__ == "__main__":
    raise SystemExit(main())
