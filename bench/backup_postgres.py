"""Back up and restore a ~1 GB PostgreSQL database with Warden, against plain tools, same run.

Starts a private PostgreSQL 15 cluster (initdb as the ``postgres`` user in a temporary
directory, 127.0.0.1 on a free port; removed at the end), fills it with about SCALE * 15 MB
(scale 70 is about 1 GB) of either ``mixed`` rows made with generate_series (ids, random
numbers, timestamps, hex digests and repeated words: compresses about 3x, like many real
tables) or ``pgbench -i`` data (mostly blank filler: compresses over 100x), then times, one
after the other:

- ``pg_dump -Fc | zstd -3``: the plain baseline (pg_dump's own zlib compression, then zstd);
- ``pg_dump -Fc -Z0 | zstd -3``: the same work Warden does, minus encryption;
- ``warden``: pg_dump -Fc -Z0 → zstd level 3 (zstandard, in-process) → AES-256-GCM chunks →
  local repository, with SHA-256 of everything and a manifest;
- the codec alone: a saved raw dump through Warden's compress+encrypt pipeline, and through
  the ``zstd -3`` CLI, to isolate the cost of compression and encryption;
- restores: Warden's restore (decrypt, decompress, ``pg_restore``) and
  ``zstd -dc | pg_restore`` of the baseline file, each into a new database;
- pgBackRest (Debian), if installed: a full backup with zst level 3 and aes-256-cbc, and a
  restore of it into a new data directory (file level; WAL replay at start-up not included).

Prints wall time, throughput in MB/s (database size / time; MB = 10^6 bytes), output size and
CPU seconds of each, and Warden's overhead against the baselines. Nothing leaves 127.0.0.1.

    python bench/backup_postgres.py [--scale 70] [--data mixed|pgbench] [--repeat 3]
        [--no-pgbackrest]

Backups and the codec run ``--repeat`` times, interleaved; the table shows medians.
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from _common import free_port
from warden.backup.config import BackupConfig
from warden.backup.crypto import generate_key, parse_key
from warden.backup.repos.local import LocalRepository, LocalRepositoryConfig
from warden.backup.restore import restore_once
from warden.backup.runner import backup_once
from warden.backup.stream import Codec, store_object

PG_BIN = Path("/usr/lib/postgresql/15/bin")
KEY_ENV = "WARDEN_BENCH_KEY"


@dataclass
class Row:
    name: str
    seconds: float
    cpu: float
    out_bytes: int | None
    note: str = ""


def as_postgres(argv: Sequence[str], **kw: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["runuser", "-u", "postgres", "--", *argv], check=True, **kw)  # type: ignore[call-overload, no-any-return]


def cpu_now() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


@contextmanager
def measured() -> Iterator[list[float]]:
    """Yields a list that holds [wall seconds, cpu seconds] after the block."""
    out: list[float] = []
    t0, c0 = time.monotonic(), cpu_now()
    yield out
    out += [time.monotonic() - t0, cpu_now() - c0]


@contextmanager
def private_cluster(root: Path, port: int, pgbackrest_conf: Path | None) -> Iterator[None]:
    """A PostgreSQL cluster owned by ``postgres`` under ``root``, listening on ``port``."""
    data = root / "data"
    as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres",
                 "-E", "UTF8", "--no-sync"], stdout=subprocess.DEVNULL)  # fmt: skip
    conf = [
        f"port = {port}",
        "listen_addresses = '127.0.0.1'",
        f"unix_socket_directories = '{root}'",
        "max_wal_size = '4GB'",
        "shared_buffers = '256MB'",
    ]
    if pgbackrest_conf is not None:
        conf += [
            "archive_mode = on",
            f"archive_command = 'pgbackrest --config={pgbackrest_conf} --stanza=bench "
            "archive-push %p'",
        ]
    with (data / "postgresql.conf").open("a") as fh:
        fh.write("\n".join(conf) + "\n")
    as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(root / "pg.log"), "-w",
                 "start"], stdout=subprocess.DEVNULL)  # fmt: skip
    try:
        yield
    finally:
        as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                    stdout=subprocess.DEVNULL)  # fmt: skip


def pipe(first: Sequence[str], second: Sequence[str], env: dict[str, str]) -> None:
    """``first | second``, raising if either fails."""
    a = subprocess.Popen(first, stdout=subprocess.PIPE, env=env)
    b = subprocess.Popen(second, stdin=a.stdout, env=env)
    assert a.stdout is not None
    a.stdout.close()
    if b.wait() != 0 or a.wait() != 0:
        raise SystemExit(f"failed: {' '.join(first)} | {' '.join(second)}")


MIXED = """
CREATE TABLE events (id bigint PRIMARY KEY, account int NOT NULL, kind text NOT NULL,
                     amount numeric(12,2), created timestamptz NOT NULL, payload text);
INSERT INTO events
SELECT i, (random() * 100000)::int, (ARRAY['click', 'view', 'buy', 'refund'])[1 + i % 4],
       round((random() * 1000)::numeric, 2), now() - random() * interval '365 days',
       md5(i::text) || ' ' || repeat(chr(97 + i % 26), 20 + i % 30) || ' ' || md5(random()::text)
FROM generate_series(1, {rows}) i;
ANALYZE events;
"""
FACTS = {
    "pgbench": "SELECT sum(abalance) + count(*) FROM pgbench_accounts",
    "mixed": "SELECT sum(hashtext(payload)::bigint) + sum(amount)::bigint FROM events",
}


def fill(data: str, scale: int, url: str, env: dict[str, str]) -> None:
    if data == "pgbench":
        subprocess.run([str(PG_BIN / "pgbench"), "-i", "-q", "-s", str(scale), "-I", "dtGvp",
                        "bench"], env=env, check=True, stderr=subprocess.DEVNULL)  # fmt: skip
        return
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(MIXED.replace("{rows}", str(scale * 75_000)).encode())


def database_facts(url: str, data: str) -> tuple[int, int]:
    with psycopg.connect(url) as conn:
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        total = conn.execute(FACTS[data].encode()).fetchone()
    assert size is not None
    assert total is not None
    return int(size[0]), int(total[0])


def create_db(admin: str, name: str) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"'.encode())


def mbps(size: int, seconds: float) -> str:
    return f"{size / 1e6 / seconds:8.1f}" if seconds > 0 else "       -"


def run(scale: int, data: str, repeat: int, use_pgbackrest: bool) -> None:
    if use_pgbackrest and shutil.which("pgbackrest") is None:
        print("pgBackRest: not installed (apt-get install pgbackrest); skipped")
        use_pgbackrest = False
    root = Path(tempfile.mkdtemp(prefix="warden-bench-pg-"))
    shutil.chown(root, "postgres", "postgres")
    os.chmod(root, 0o755)  # noqa: S103 - postgres and root both work in it
    port = free_port()
    rows: list[Row] = []
    brconf = root / "pgbackrest.conf" if use_pgbackrest else None
    try:
        if brconf is not None:
            (root / "br").mkdir()
            shutil.chown(root / "br", "postgres", "postgres")
            brconf.write_text(
                "[global]\n"
                f"repo1-path={root / 'br' / 'repo'}\nlog-path={root / 'br'}\n"
                f"lock-path={root / 'br'}\nlog-level-console=warn\nlog-level-file=off\n"
                "compress-type=zst\ncompress-level=3\nprocess-max=1\nstart-fast=y\n"
                "repo1-retention-full=1\n"
                f"repo1-cipher-type=aes-256-cbc\nrepo1-cipher-pass={secrets.token_hex(24)}\n"
                f"[bench]\npg1-path={root / 'data'}\npg1-socket-path={root}\npg1-port={port}\n"
            )
            shutil.chown(brconf, "postgres", "postgres")
        with private_cluster(root, port, brconf):
            base = f"postgresql://postgres@127.0.0.1:{port}"
            env = {**os.environ, "PGHOST": "127.0.0.1", "PGPORT": str(port), "PGUSER": "postgres"}
            create_db(f"{base}/postgres", "bench")
            print(f"filling: {data} data, scale {scale} (about {scale * 15} MB) ...", flush=True)
            fill(data, scale, f"{base}/bench", env)
            size, fact = database_facts(f"{base}/bench", data)
            print(f"database: {size / 1e6:.0f} MB", flush=True)
            out = root / "out"
            out.mkdir()

            plain, plain0 = out / "plain.dump.zst", out / "plain0.dump.zst"
            os.environ[KEY_ENV] = generate_key()
            cfg = BackupConfig.model_validate({
                "name": "bench", "key_env": KEY_ENV,
                "source": {"type": "postgres", "url": f"{base}/bench"},
                "repository": {"type": "local", "path": str(root / "repo")},
            })  # fmt: skip
            times: dict[str, list[list[float]]] = {"plain": [], "plain0": [], "warden": []}
            for i in range(repeat):  # interleaved, so drifting machine load hits all alike
                print(f"backups, round {i + 1} of {repeat} ...", flush=True)
                with measured() as m:
                    pipe([str(PG_BIN / "pg_dump"), "-Fc", "bench"],
                         ["zstd", "-3", "-q", "-f", "-o", str(plain)], env)  # fmt: skip
                times["plain"].append(m)
                with measured() as m:
                    pipe([str(PG_BIN / "pg_dump"), "-Fc", "-Z0", "bench"],
                         ["zstd", "-3", "-q", "-f", "-o", str(plain0)], env)  # fmt: skip
                times["plain0"].append(m)
                with measured() as m:
                    result = backup_once(cfg)
                if not result.ok:
                    raise SystemExit(f"warden backup failed: {result.error}")
                times["warden"].append(m)
            rows.append(Row("pg_dump -Fc | zstd -3", *median(times["plain"]),
                            plain.stat().st_size))  # fmt: skip
            rows.append(Row("pg_dump -Fc -Z0 | zstd -3", *median(times["plain0"]),
                            plain0.stat().st_size))  # fmt: skip
            note = f"dump stream {result.raw_bytes / 1e6:.0f} MB"
            rows.append(Row("warden backup (zstd 3 + AES-256-GCM)", *median(times["warden"]),
                            result.stored_bytes, note))  # fmt: skip

            raw = out / "raw.dump"
            subprocess.run([str(PG_BIN / "pg_dump"), "-Fc", "-Z0", "-f", str(raw), "bench"],
                           env=env, check=True)  # fmt: skip
            raw_size = raw.stat().st_size
            codec_rows = codec_only(raw, root / "codec", repeat)
            if brconf is not None:  # before the restores add databases to the cluster
                rows += pgbackrest(brconf, root)

            with measured() as m:
                restored = restore_once(cfg, "bench_warden")
            rows.append(Row("warden restore (pg_restore)", *m, None, restored.id))
            assert database_facts(f"{base}/bench_warden", data)[1] == fact, "restored data differs"

            create_db(f"{base}/postgres", "bench_plain")
            restore = [str(PG_BIN / "pg_restore"), "--exit-on-error", "-d", "bench_plain"]
            with measured() as m:
                pipe(["zstd", "-dc", str(plain)], restore, env)
            rows.append(Row("zstd -dc | pg_restore", *m, None))
            assert database_facts(f"{base}/bench_plain", data)[1] == fact

        print_report(size, raw_size, rows, codec_rows)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def codec_only(raw: Path, where: Path, repeat: int) -> list[Row]:
    """Warden's compress+encrypt pipeline and the zstd CLI on the same saved dump."""
    key = parse_key(generate_key(), "bench")
    repo = LocalRepository(LocalRepositoryConfig(path=where))
    warden, cli = [], []
    for _ in range(repeat):
        with measured() as m, raw.open("rb") as fh:
            writer = repo.open_writer("codec/object")
            entry = store_object("raw", "codec/object", fh, writer, key, Codec(3, 0, 1 << 20))
            writer.commit()
        warden.append(m)
        with measured() as m:
            subprocess.run(["zstd", "-3", "-q", "-f", str(raw), "-o", str(where / "cli.zst")],
                           check=True)  # fmt: skip
        cli.append(m)
    return [
        Row("codec: warden zstd 3 + AES-GCM + SHA-256", *median(warden), entry.stored_bytes),
        Row("codec: zstd -3 CLI", *median(cli), (where / "cli.zst").stat().st_size),
    ]


def median(samples: list[list[float]]) -> tuple[float, float]:
    """Median wall seconds and median CPU seconds of ``[wall, cpu]`` samples."""
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def pgbackrest(conf: Path, root: Path) -> list[Row]:
    base = ["pgbackrest", f"--config={conf}", "--stanza=bench"]
    as_postgres([*base, "stanza-create"])
    rows = []
    with measured() as m:
        as_postgres([*base, "--type=full", "backup"])
    info = as_postgres([*base, "info"], stdout=subprocess.PIPE).stdout.decode()
    sizes = [line.strip() for line in info.splitlines() if "size" in line]
    repo = root / "br" / "repo" / "backup"
    size = sum(p.stat().st_size for p in repo.rglob("*") if p.is_file())
    rows.append(Row("pgBackRest full backup (zst 3 + aes-256-cbc)", *m, size,
                    "physical: whole cluster; " + "; ".join(sizes)))  # fmt: skip
    target = root / "br-restore"
    target.mkdir()
    shutil.chown(target, "postgres", "postgres")
    os.chmod(target, 0o700)
    with measured() as m:
        as_postgres([*base, f"--pg1-path={target}", "restore"])
    rows.append(Row("pgBackRest restore (files only)", *m, None, "+ WAL replay at start-up"))
    return rows


def print_report(size: int, raw_size: int, rows: list[Row], codec: list[Row]) -> None:
    print()
    print(f"database size {size / 1e6:.0f} MB; raw pg_dump -Fc -Z0 stream {raw_size / 1e6:.0f} MB")
    print("CPU s: this process and its reaped children (pg_dump, zstd, pg_restore, pgbackrest),")
    print("not the PostgreSQL server's own backends.")
    print(f"{'what':46} {'seconds':>8} {'DB MB/s':>8} {'CPU s':>7} {'output MB':>10}  note")
    for r in rows:
        out = f"{r.out_bytes / 1e6:10.1f}" if r.out_bytes is not None else " " * 10
        print(f"{r.name:46} {r.seconds:8.1f} {mbps(size, r.seconds)} {r.cpu:7.1f} {out}  {r.note}")
    print(f"{'on the saved raw dump':46} {'seconds':>8} {'raw MB/s':>8}")
    for r in codec:
        out = f"{r.out_bytes / 1e6:10.1f}" if r.out_bytes is not None else ""
        print(f"{r.name:46} {r.seconds:8.1f} {mbps(raw_size, r.seconds)} {r.cpu:7.1f} {out}")
    by = {r.name: r for r in rows}
    warden = by["warden backup (zstd 3 + AES-256-GCM)"].seconds
    wcpu = by["warden backup (zstd 3 + AES-256-GCM)"].cpu
    for base in ("pg_dump -Fc | zstd -3", "pg_dump -Fc -Z0 | zstd -3"):
        b = by[base]
        print(f"warden backup vs {base}: time {100 * (warden / b.seconds - 1):+.0f}%, "
              f"client CPU {100 * (wcpu / b.cpu - 1):+.0f}%")  # fmt: skip
    w, z = codec[0], codec[1]
    time_pct, cpu_pct = 100 * (w.seconds / z.seconds - 1), 100 * (w.cpu / z.cpu - 1)
    print(f"codec: warden compress+encrypt+hash vs zstd CLI: time {time_pct:+.0f}%, "
          f"CPU {cpu_pct:+.0f}%")  # fmt: skip
    wr, pr = by["warden restore (pg_restore)"].seconds, by["zstd -dc | pg_restore"].seconds
    print(f"warden restore time vs zstd -dc | pg_restore: {100 * (wr / pr - 1):+.0f}%")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, default=70, help="pgbench scale (70 is ~1 GB)")
    parser.add_argument("--data", choices=["mixed", "pgbench"], default="mixed")
    parser.add_argument("--repeat", type=int, default=3, help="backup rounds (medians shown)")
    parser.add_argument("--no-pgbackrest", action="store_true")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root: the private cluster is created as the postgres user (runuser)")
    run(
        max(1, min(args.scale, 200)), args.data, max(1, min(args.repeat, 9)), not args.no_pgbackrest
    )


if __name__ == "__main__":
    main()
