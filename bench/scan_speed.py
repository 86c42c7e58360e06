"""``warden scan`` against Checkov on the same trees, and the time of a 2,000-file tree.

For the bad fixture tree (every planted problem of tests/scan/test_trees.py), the clean one
and a generated tree of ``--files`` files (Terraform roots and modules, Kubernetes manifests,
a few Kustomize overlays, Dockerfiles, Compose and .env files), both tools run as a user runs
them (a new process, JSON output) and the script prints: planted problems found, findings on
the clean tree, and wall time.

A planted problem counts as found by Checkov when any of its failed checks covers the same
file and line (its ids differ from Warden's, so this is generous to Checkov). Checkov runs
with ``--skip-download`` (no call to its cloud). It is found through ``$CHECKOV``, then
/tmp/checkov-venv/bin/checkov, then ``checkov`` on the PATH; without it the script says
"checkov not installed" and times Warden alone.

    .venv/bin/python bench/scan_speed.py [--files 2000] [--no-checkov-large]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from scan.test_trees import PLANTED, RENDERED_ONLY  # noqa: E402

BAD = ROOT / "tests/scan/fixtures/bad"
CLEAN = ROOT / "tests/scan/fixtures/clean"


def checkov_bin() -> str | None:
    for candidate in (os.environ.get("CHECKOV"), "/tmp/checkov-venv/bin/checkov"):
        if candidate and Path(candidate).is_file():
            return candidate
    return shutil.which("checkov")


def run_warden(tree: Path) -> tuple[float, list[dict[str, Any]]]:
    argv = [
        sys.executable,
        "-m",
        "warden.cli",
        "scan",
        str(tree),
        "--json",
        "--no-runtime",
        "--required-tag",
        "team",
        "--required-tag",
        "env",
    ]
    t0 = time.perf_counter()
    proc = subprocess.run(
        argv, capture_output=True, text=True, check=False, cwd=tempfile.gettempdir()
    )
    took = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(f"warden scan failed ({proc.returncode}): {proc.stderr[-500:]}")
    return took, json.loads(proc.stdout)["findings"]


def run_checkov(binary: str, tree: Path, timeout: float) -> tuple[float, list[dict[str, Any]]]:
    argv = [binary, "-d", str(tree), "-o", "json", "--quiet", "--compact", "--skip-download"]
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE"}
    t0 = time.perf_counter()
    proc = subprocess.run(
        argv, capture_output=True, text=True, check=False, env=env, timeout=timeout
    )
    took = time.perf_counter() - t0
    doc = json.loads(proc.stdout or "[]")
    reports = doc if isinstance(doc, list) else [doc]
    failed = [f for r in reports for f in r.get("results", {}).get("failed_checks", [])]
    return took, failed


def warden_found(findings: list[dict[str, Any]], planted: list[tuple[str, str, int]]) -> int:
    got = {(f["id"], f["file"], f["line"]) for f in findings}
    return sum(p in got for p in planted)


def checkov_found(failed: list[dict[str, Any]], planted: list[tuple[str, str, int]]) -> int:
    spans: dict[str, list[tuple[int, int]]] = {}
    for f in failed:
        lo, hi = (f.get("file_line_range") or [0, 0])[:2]
        spans.setdefault(str(f.get("file_path", "")).lstrip("/"), []).append((lo, max(lo, hi)))
    hits = 0
    for _, file, line in planted:
        ranges = spans.get(file, [])
        if any(lo <= line <= hi or (lo == 0 and hi == 0) for lo, hi in ranges):
            hits += 1
    return hits


def generate(root: Path, files: int) -> int:
    """A tree of about ``files`` files shaped like a real infrastructure repository."""
    made = 0

    def put(rel: str, text: str) -> None:
        nonlocal made
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        made += 1

    for rel in (
        "modules/database/main.tf",
        "modules/database/variables.tf",
        "modules/network/main.tf",
        "modules/storage/main.tf",
    ):
        put(rel, (CLEAN / "terraform" / rel).read_text())
    k8s = (CLEAN / "kubernetes/base/deployment.yaml").read_text()
    docker = (CLEAN / "docker/api/Dockerfile").read_text()
    compose = (CLEAN / "docker/docker-compose.yml").read_text()
    prod = (CLEAN / "terraform/environments/production/main.tf").read_text()
    i = 0
    while made < files:
        env = f"environments/env{i:03d}"
        put(f"{env}/main.tf", prod.replace("../../modules", "../../modules"))
        put(
            f"{env}/variables.tf",
            (CLEAN / "terraform/environments/production/variables.tf").read_text(),
        )
        put(f"{env}/terraform.tfvars", f'db_secret_arn = "arn:aws:secretsmanager:::secret:{i}"\n')
        for j in range(3):
            put(f"k8s/app{i:03d}/svc{j}.yaml", k8s.replace("name: api", f"name: api-{i}-{j}"))
        put(f"services/s{i:03d}/Dockerfile", docker)
        put(f"services/s{i:03d}/docker-compose.yml", compose)
        put(f"services/s{i:03d}/.env.example", "DB_PASSWORD=\nLOG_LEVEL=info\n")
        if i % 25 == 0:
            base = f"kustomize/app{i:03d}"
            put(f"{base}/base/kustomization.yaml", "resources:\n  - deployment.yaml\n")
            put(f"{base}/base/deployment.yaml", k8s)
            put(
                f"{base}/overlays/prod/kustomization.yaml",
                "namePrefix: prod-\nresources:\n  - ../../base\n",
            )
        i += 1
    return made


def table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument(
        "--no-checkov-large", action="store_true", help="Do not run Checkov on the generated tree."
    )
    args = parser.parse_args()
    planted = list(PLANTED) + (list(RENDERED_ONLY) if shutil.which("kubectl") else [])
    checkov = checkov_bin()
    rows = [("tool", "tree", "files", "planted found", "findings", "wall s")]
    w_bad_t, w_bad = run_warden(BAD)
    w_clean_t, w_clean = run_warden(CLEAN)
    high = sum(f["severity"] in ("critical", "high") for f in w_clean)
    rows.append(
        (
            "warden",
            "bad",
            "-",
            f"{warden_found(w_bad, planted)}/{len(planted)}",
            str(len(w_bad)),
            f"{w_bad_t:.2f}",
        )
    )
    rows.append(("warden", "clean", "-", "-", f"{len(w_clean)} ({high} high+)", f"{w_clean_t:.2f}"))
    if checkov:
        c_bad_t, c_bad = run_checkov(checkov, BAD, 900)
        c_clean_t, c_clean = run_checkov(checkov, CLEAN, 900)
        rows.append(
            (
                "checkov",
                "bad",
                "-",
                f"{checkov_found(c_bad, planted)}/{len(planted)}",
                str(len(c_bad)),
                f"{c_bad_t:.2f}",
            )
        )
        rows.append(("checkov", "clean", "-", "-", str(len(c_clean)), f"{c_clean_t:.2f}"))
    with tempfile.TemporaryDirectory(prefix="warden-scan-bench-") as tmp:
        made = generate(Path(tmp), args.files)
        w_big_t, w_big = run_warden(Path(tmp))
        rows.append(("warden", "generated", str(made), "-", str(len(w_big)), f"{w_big_t:.2f}"))
        if checkov and not args.no_checkov_large:
            c_big_t, c_big = run_checkov(checkov, Path(tmp), 1800)
            rows.append(("checkov", "generated", str(made), "-", str(len(c_big)), f"{c_big_t:.2f}"))
    print(table(rows))
    if not checkov:
        print("checkov not installed (set $CHECKOV or install it in /tmp/checkov-venv)")
    print("kubectl:", shutil.which("kubectl") or "not installed (overlays scanned unrendered)")


if __name__ == "__main__":
    main()
