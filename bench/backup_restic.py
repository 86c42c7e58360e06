"""Incremental file backups: the restic engine against Warden's own files source, same run.

Generates a tree of ``--size`` bytes (default 2 GB) under a temporary directory: files of
1-8 MiB, half of the bytes random (incompressible) and half word text made unique per 64 KiB
(compresses about 3x, and no two blocks are alike, so deduplication finds nothing to share
on the first run). Each engine backs it up into its own local repository; then ``--change``
of the bytes (default 1 %) changes, half as new files and half as 256 KiB regions rewritten
inside existing files, and each engine backs it up again. The tree is in the page cache for
every run (it was just written), so the runs compare the engines, not the disk.

Prints, per engine and run, wall seconds, throughput over the tree's size, CPU seconds (this
process and its children) and the bytes the run added to the repository (on-disk size of
the repository directories: restic's repository plus Warden's records for restic; Warden's
repository for the files source). Everything is removed at the end.

    python bench/backup_restic.py [--size 2GB] [--change 0.01] [--dir /var/tmp]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from warden.backup.config import BackupConfig
from warden.backup.crypto import generate_key
from warden.backup.runner import backup_once
from warden.config._types import parse_size

KEY_ENV = "WARDEN_BENCH_KEY"
BLOCK = 64 * 1024
WORDS = [
    "invoice", "order", "customer", "payment", "shipped", "pending", "refund", "total",
    "account", "region", "latency", "request", "response", "error", "retry", "timeout", "queue",
    "worker", "deploy", "release", "build", "cache", "index", "select", "insert", "update",
    "delete", "commit", "rollback", "session", "token", "user", "admin", "report", "daily",
]  # fmt: skip


@dataclass
class Row:
    engine: str
    run: str
    seconds: float
    cpu: float
    added: int
    repo: int
    own: float | None = None


def cpu_now() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def du(*paths: Path) -> int:
    """Bytes the directories take on disk (allocated blocks)."""
    total = 0
    for root in paths:
        for dirpath, _, files in os.walk(root):
            for name in files:
                st = os.lstat(os.path.join(dirpath, name))
                total += st.st_blocks * 512
    return total


def text_block(rng: random.Random, base: str, tag: str) -> bytes:
    start = rng.randrange(0, len(base) - BLOCK)
    return (f"\n# {tag}\n" + base[start : start + BLOCK]).encode()[:BLOCK]


def generate(root: Path, size: int, rng: random.Random) -> list[Path]:
    """Files of 1-8 MiB: random bytes and unique word text, half of the bytes each."""
    base = " ".join(rng.choices(WORDS, k=2_000_000))
    files, written, n = [], 0, 0
    while written < size:
        length = min(rng.randint(1, 8) << 20, max(BLOCK, size - written))
        path = root / f"d{n % 37:02d}" / f"f{n:05d}.{'bin' if n % 2 else 'txt'}"
        path.parent.mkdir(exist_ok=True)
        with path.open("wb") as fh:
            for k in range(0, length, BLOCK):
                if n % 2:
                    fh.write(os.urandom(min(BLOCK, length - k)))
                else:
                    fh.write(text_block(rng, base, f"{n}:{k}")[: length - k])
        files.append(path)
        written += length
        n += 1
    return files


def change(root: Path, files: list[Path], amount: int, rng: random.Random) -> int:
    """Rewrite 256 KiB regions inside existing files and add new files: ``amount`` bytes."""
    changed, region = 0, 256 * 1024
    for path in rng.sample(files, len(files)):
        if changed >= amount // 2:
            break
        if path.stat().st_size < 2 * region:
            continue
        with path.open("r+b") as fh:
            fh.seek(rng.randrange(0, path.stat().st_size - region))
            fh.write(os.urandom(region))
        changed += region
    new = root / "new"
    new.mkdir()
    i = 0
    while changed < amount:
        length = min(1 << 20, amount - changed)
        (new / f"n{i:04d}.bin").write_bytes(os.urandom(length))
        changed += length
        i += 1
    return changed


def backup(engine: str, cfg: BackupConfig, repos: list[Path], label: str) -> Row:
    before = du(*repos)
    t0, c0 = time.monotonic(), cpu_now()
    run = backup_once(cfg)
    seconds, cpu = time.monotonic() - t0, cpu_now() - c0
    if not run.ok:
        raise SystemExit(f"{engine} {label} backup failed: {run.error}")
    after = du(*repos)
    record = getattr(cfg.source, "type", "") == "restic"
    own = _restic_seconds(cfg, run.id) if record else None
    return Row(engine, label, seconds, cpu, after - before, after, own)


def _restic_seconds(cfg: BackupConfig, run_id: str) -> float | None:
    """restic's own ``total_duration`` of the run (from the engine record Warden stored)."""
    from warden.backup.crypto import load_key
    from warden.backup.engines import records
    from warden.backup.manifest import list_backups
    from warden.backup.restore import opened

    with opened(cfg, None) as (repo, _):
        key = load_key(cfg.key_env, cfg.key_file)
        rec = records(cfg, repo, key, list_backups(repo, cfg.name, key=key)).get(run_id)
    value = rec.details.get("total_duration") if rec else None
    return float(value) if value is not None else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="2GB", help="tree size, e.g. 2GB or 200MB")
    ap.add_argument("--change", type=float, default=0.01, help="share of the bytes changed")
    ap.add_argument("--dir", default=None, help="parent of the work directory")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    if shutil.which("restic") is None:
        raise SystemExit("restic is not installed (apt-get install restic)")
    size = parse_size(args.size)
    rng = random.Random(args.seed)
    os.environ[KEY_ENV] = generate_key()
    work = Path(tempfile.mkdtemp(prefix="warden-bench-restic-", dir=args.dir))
    try:
        tree = work / "tree"
        tree.mkdir()
        t0 = time.monotonic()
        files = generate(tree, size, rng)
        print(f"tree: {len(files)} files, {size / 1e6:.0f} MB, made in "
              f"{time.monotonic() - t0:.1f}s", flush=True)  # fmt: skip

        def config(name: str, source: dict[str, object]) -> BackupConfig:
            return BackupConfig.model_validate({
                "name": name, "key_env": KEY_ENV, "source": source,
                "repository": {"type": "local", "path": str(work / f"{name}-records")},
            })  # fmt: skip

        engines = {
            "warden files": (config("files", {"type": "files", "path": str(tree)}),
                             [work / "files-records"]),
            "restic": (config("restic", {"type": "restic", "path": str(tree),
                                         "repo": str(work / "restic"),
                                         "cache_dir": str(work / "cache")}),
                       [work / "restic", work / "restic-records"]),
        }  # fmt: skip
        rows = [backup(name, cfg, repos, "first") for name, (cfg, repos) in engines.items()]
        amount = change(tree, files, int(size * args.change), rng)
        print(f"changed {amount / 1e6:.1f} MB ({args.change:.1%})", flush=True)
        rows += [backup(name, cfg, repos, "after change") for name, (cfg, repos) in engines.items()]
        print_table(rows, size)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def print_table(rows: list[Row], size: int) -> None:
    print()
    print("| engine | run | seconds | MB/s | CPU s | added MB | repository MB | engine's own s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in sorted(rows, key=lambda r: (r.engine, r.run != "first")):
        rate = size / 1e6 / r.seconds if r.seconds > 0 else 0.0
        own = "-" if r.own is None else f"{r.own:.1f}"
        print(f"| {r.engine} | {r.run} | {r.seconds:.1f} | {rate:.0f} | {r.cpu:.1f} | "
              f"{r.added / 1e6:.1f} | {r.repo / 1e6:.1f} | {own} |")  # fmt: skip
    second = {r.engine: r for r in rows if r.run != "first"}
    if {"warden files", "restic"} <= set(second):
        w, r = second["warden files"], second["restic"]
        share, took = r.added / max(w.added, 1), r.seconds / max(w.seconds, 1e-9)
        print(f"\nafter the change restic added {share:.1%} of the bytes Warden's files source "
              f"added, in {took:.0%} of its time")  # fmt: skip
    sys.stdout.flush()


if __name__ == "__main__":
    main()
