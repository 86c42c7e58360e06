"""How long a 10,000-monitor config takes to validate (goal, issue 2: under a second).

Writes a config mixing http, tcp, dns, tls, postgres, redis and command monitors in block
style, then prints the median of in-process ``load_config`` over several runs, split into YAML
parsing and model validation, and the wall time of a whole ``warden validate`` process
(interpreter start-up and imports included).

    .venv/bin/python bench/validate_large.py --monitors 10000 --runs 5
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from warden.config import load_config
from warden.config._yaml import load_yaml
from warden.config.schema import build_model

TEMPLATES = [
    "    http:\n      url: https://app{i}.example.test/health\n      expect:\n"
    "        status: ['2xx']\n        body_contains: ok\n",
    "    tcp:\n      host: 10.0.{a}.{b}\n      port: 5432\n",
    "    dns:\n      name: host{i}.example.test\n      type: A\n",
    "    tls:\n      host: app{i}.example.test\n      port: 443\n",
    "    postgres:\n      url: postgresql://app:${{PGPASSWORD:-x}}@db{i}.example.test:5432/app\n"
    "      query: SELECT 1\n",
    "    redis:\n      url: redis://cache{i}.example.test:6379/0\n",
    "    command:\n      argv: [/usr/local/bin/check-job, '--id', '{i}']\n",
]


def write_config(path: Path, n: int) -> None:
    parts = ["store:\n  url: sqlite:///warden.db\nmonitors:\n"]
    for i in range(n):
        parts.append(
            f"  - name: mon-{i}\n    interval: {30 + i % 5 * 30}s\n    timeout: 5s\n"
            f"    group: team-{i % 20}\n    labels: {{env: prod, tier: t{i % 3}}}\n"
        )
        parts.append(TEMPLATES[i % len(TEMPLATES)].format(i=i, a=i // 250 % 250, b=i % 250))
    path.write_text("".join(parts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--monitors", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    n, runs = max(1, min(args.monitors, 100_000)), max(1, min(args.runs, 20))
    with tempfile.TemporaryDirectory(prefix="warden-validate-") as tmp:
        cfg = Path(tmp) / "warden.yaml"
        write_config(cfg, n)
        text = cfg.read_text()
        model = build_model()  # plugin imports happen once per process, measured below
        yaml_s, model_s, total_s = [], [], []
        for _ in range(runs):
            t0 = time.perf_counter()
            data, _, _ = load_yaml(text, str(cfg), {})
            t1 = time.perf_counter()
            model.model_validate(data)
            t2 = time.perf_counter()
            config = load_config(cfg)
            t3 = time.perf_counter()
            yaml_s.append(t1 - t0)
            model_s.append(t2 - t1)
            total_s.append(t3 - t2)
        assert len(config.monitors) == n
        t0 = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-m", "warden.cli", "validate", str(cfg)],
            check=False,
            capture_output=True,
            text=True,
        )
        cli_s = time.perf_counter() - t0
        lines = text.count("\n")
        print(f"{n:,} monitors, {lines:,} lines, {len(text) / 2**20:.1f} MiB of YAML")
        med = statistics.median
        print(
            f"load_config (median of {runs}): {med(total_s):.3f} s "
            f"= YAML {med(yaml_s):.3f} s + validation {med(model_s):.3f} s"
        )
        print(f"`warden validate` process, start to exit: {cli_s:.3f} s (exit {out.returncode})")


if __name__ == "__main__":
    main()
