"""How fast ``warden cost`` is on a year of a mid-size bill, and why the lines live in Parquet
read by DuckDB rather than as rows in the SQL store.

    .venv/bin/python bench/cost_speed.py [--rows 10000000] [--months 12] [--sqlite-rows 1000000]

Generates a FOCUS 1.2 export (warden.cost.generate, vectorised), ingests it, runs the report,
and compares the report's core aggregations (spend by month and service over the year, then
the last month by service, region and team) done directly on the raw export by DuckDB and by
pandas, and on rows in a SQLite store (a slice, scaled up: inserting ten million rows there
would take longer than the whole benchmark). Each step runs in its own process so its peak
RSS is its own. Goals: ingest under 60 s, report under 2 s.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

MONTH_SQL = """
SELECT date_trunc('month', ChargePeriodStart) m, ServiceName, sum(EffectiveCost)
FROM {src} GROUP BY ALL
"""
DETAIL_SQL = """
SELECT ServiceName, RegionId, json_extract_string(Tags, '$.team') team, sum(EffectiveCost)
FROM {src} WHERE ChargePeriodStart >= TIMESTAMPTZ '{lo}' AND ChargePeriodStart < TIMESTAMPTZ '{hi}'
GROUP BY GROUPING SETS ((ServiceName), (RegionId), (team))
"""


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step_generate(a: dict[str, Any]) -> dict[str, Any]:
    from warden.cost.generate import generate, write

    t = time.perf_counter()
    table = generate("2025-01", a["months"], a["rows"])
    made = time.perf_counter() - t
    write(table, Path(a["file"]))
    return {
        "rows": table.num_rows,
        "generate_s": made,
        "seconds": time.perf_counter() - t,
        "size_mb": Path(a["file"]).stat().st_size / 1e6,
    }


def step_ingest(a: dict[str, Any]) -> dict[str, Any]:
    from warden.cost.config import CostConfig
    from warden.cost.ingest import ingest

    t = time.perf_counter()
    got = ingest([a["file"]], CostConfig(), Path(a["lake"]))
    return {"seconds": time.perf_counter() - t, "rows": got["rows_ingested"]}


def step_report(a: dict[str, Any]) -> dict[str, Any]:
    import warden.cost.report  # noqa: F401  (imports are not the report's time)
    from warden.cost.config import CostConfig
    from warden.cost.report import cost_report

    cfg = CostConfig.model_validate(
        {"budgets": [{"tag": "team", "value": "shop", "monthly": 250000}]}
    )
    t = time.perf_counter()
    data = cost_report(Path(a["lake"]), cfg, time.time())
    first = time.perf_counter() - t
    t = time.perf_counter()
    cost_report(Path(a["lake"]), cfg, time.time(), series=True)
    return {
        "seconds": first,
        "again_s": time.perf_counter() - t,
        "opportunities": len(data["opportunities"]),
        "anomalies": sum(1 for _ in data["anomalies"]["items"]),
        "saving": data["audit"]["total_saving"],
        "month": data["month"],
    }


def step_duckdb(a: dict[str, Any]) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect()
    src = f"read_parquet('{a['file']}')"
    t = time.perf_counter()
    con.execute(MONTH_SQL.format(src=src)).fetchall()
    con.execute(DETAIL_SQL.format(src=src, lo=a["lo"], hi=a["hi"])).fetchall()
    return {"seconds": time.perf_counter() - t}


def step_pandas(a: dict[str, Any]) -> dict[str, Any]:
    import pandas as pd

    t = time.perf_counter()
    df = pd.read_parquet(
        a["file"], columns=["ChargePeriodStart", "ServiceName", "RegionId", "Tags", "EffectiveCost"]
    )
    read = time.perf_counter() - t
    month = df["ChargePeriodStart"].dt.tz_localize(None).dt.to_period("M")
    df.groupby([month, "ServiceName"], observed=True)["EffectiveCost"].sum()
    last = df[
        (df["ChargePeriodStart"] >= pd.Timestamp(a["lo"], tz="UTC"))
        & (df["ChargePeriodStart"] < pd.Timestamp(a["hi"], tz="UTC"))
    ]
    last.groupby("ServiceName", observed=True)["EffectiveCost"].sum()
    last.groupby("RegionId", observed=True)["EffectiveCost"].sum()
    team = last["Tags"].astype(str).map(lambda s: json.loads(s).get("team"))
    last.groupby(team)["EffectiveCost"].sum()
    return {"seconds": time.perf_counter() - t, "read_s": read}


def step_sqlite(a: dict[str, Any]) -> dict[str, Any]:
    """The same aggregations over rows in the SQL store (SQLite, indexed by time)."""
    import sqlite3

    import pyarrow.parquet as pq

    n = a["sqlite_rows"]
    table = pq.ParquetFile(a["file"]).iter_batches(
        batch_size=n,
        columns=["ChargePeriodStart", "ServiceName", "RegionId", "Tags", "EffectiveCost"],
    )
    batch = next(table)
    rows = list(
        zip(
            *(
                batch.column(i).cast("string").to_pylist()
                if i != 4
                else batch.column(i).to_pylist()
                for i in range(5)
            ),
            strict=True,
        )
    )
    db = sqlite3.connect(str(Path(a["lake"]).parent / "rows.db"))
    db.execute("CREATE TABLE lines (start TEXT, service TEXT, region TEXT, tags TEXT, cost REAL)")
    db.execute("CREATE INDEX lines_start ON lines (start)")
    t = time.perf_counter()
    db.executemany("INSERT INTO lines VALUES (?, ?, ?, ?, ?)", rows)
    db.commit()
    insert = time.perf_counter() - t
    t = time.perf_counter()
    db.execute("SELECT substr(start, 1, 7), service, sum(cost) FROM lines GROUP BY 1, 2").fetchall()
    lo, hi = rows[0][0][:10], "9999"
    for col in ("service", "region", "json_extract(tags, '$.team')"):
        db.execute(
            f"SELECT {col}, sum(cost) FROM lines WHERE start >= ? AND start < ? GROUP BY 1",
            (lo, hi),
        ).fetchall()
    query = time.perf_counter() - t
    db.close()
    scale = a["rows"] / len(rows)
    return {"seconds": query * scale, "insert_s": insert * scale, "rows": len(rows)}


STEPS = {
    "generate": step_generate,
    "ingest": step_ingest,
    "report": step_report,
    "duckdb": step_duckdb,
    "pandas": step_pandas,
    "sqlite": step_sqlite,
}


def run(step: str, args: dict[str, Any]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--step", step, "--args", json.dumps(args)],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=10_000_000)
    p.add_argument("--months", type=int, default=12)
    p.add_argument("--sqlite-rows", type=int, default=1_000_000)
    p.add_argument("--dir", type=Path, default=None, help="Work here (default: a temp folder).")
    p.add_argument("--step", help=argparse.SUPPRESS)
    p.add_argument("--args", help=argparse.SUPPRESS)
    ns = p.parse_args()
    if ns.step:
        got = STEPS[ns.step](json.loads(ns.args))
        print(json.dumps({**got, "peak_rss_mb": rss_mb()}))
        return
    with tempfile.TemporaryDirectory(dir=ns.dir) as tmp:
        args = {
            "rows": ns.rows,
            "months": ns.months,
            "sqlite_rows": ns.sqlite_rows,
            "file": f"{tmp}/focus.parquet",
            "lake": f"{tmp}/cost",
        }
        results = {"generate": run("generate", args)}
        args["rows"] = results["generate"]["rows"]
        last = 2025 * 12 + ns.months - 1  # the report's month: the last one
        args["lo"] = f"{last // 12}-{last % 12 + 1:02d}-01"
        args["hi"] = f"{(last + 1) // 12}-{(last + 1) % 12 + 1:02d}-01"
        for step in ("ingest", "report", "duckdb", "pandas", "sqlite"):
            results[step] = run(step, args)
    print_table(results, ns)


def print_table(r: dict[str, Any], ns: argparse.Namespace) -> None:
    g, i, rep = r["generate"], r["ingest"], r["report"]
    print(
        f"\nwarden cost, {g['rows']:,} FOCUS lines over {ns.months} months "
        f"({g['size_mb']:.0f} MB Parquet), {rep['opportunities']} opportunities, "
        f"{rep['anomalies']} anomalies in {rep['month']}\n"
    )
    rows = [
        (
            "generate the export (vectorised)",
            g["seconds"],
            g["peak_rss_mb"],
            f"of which building the table {g['generate_s']:.1f} s",
        ),
        ("warden cost ingest", i["seconds"], i["peak_rss_mb"], "goal < 60 s"),
        (
            "warden cost report (whole report)",
            rep["seconds"],
            rep["peak_rss_mb"],
            f"goal < 2 s; again with chart series {rep['again_s']:.2f} s",
        ),
        (
            "DuckDB on the raw export (core aggregations)",
            r["duckdb"]["seconds"],
            r["duckdb"]["peak_rss_mb"],
            "no validation, no rollups",
        ),
        (
            "pandas on the raw export (core aggregations)",
            r["pandas"]["seconds"],
            r["pandas"]["peak_rss_mb"],
            f"of which reading {r['pandas']['read_s']:.1f} s",
        ),
        (
            "SQLite rows, core aggregations (scaled)",
            r["sqlite"]["seconds"],
            r["sqlite"]["peak_rss_mb"],
            f"{r['sqlite']['rows']:,} rows x{g['rows'] / r['sqlite']['rows']:.0f}; "
            f"inserting them all: ~{r['sqlite']['insert_s']:.0f} s",
        ),
    ]
    print(f"{'step':48} {'seconds':>9} {'peak RSS MB':>12}  note")
    for name, sec, rss, note in rows:
        print(f"{name:48} {sec:9.2f} {rss:12.0f}  {note}")


if __name__ == "__main__":
    main()
