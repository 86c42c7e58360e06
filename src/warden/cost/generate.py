"""Realistic FOCUS exports made up for tests, demos and the benchmark (no real bill needed):
daily lines of AWS, Google Cloud and Azure resources in several regions, tagged by team, env
and app (some untagged), with a Savings Plan and its covered usage, spot instances,
non-production machines running at night, a stopped instance whose disk is still billed, an
unattached volume, an old snapshot, an idle load balancer, a bucket in the standard class,
monthly tax and support, weekly seasonality, and one month whose CDN spend spikes for three
days. Vectorised (numpy, pyarrow): ten million lines take seconds.

``generate(start, months, rows)`` returns a pyarrow Table; ``write(table, path)`` writes
CSV(.gz) or Parquet by the file name.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from warden.cost.fleet import (
    ANOMALY_DAYS,
    ANOMALY_FACTOR,
    ANOMALY_SERVICE,
    PROVIDER_NAMES,
    bulk,
    core,
)

__all__ = ["ANOMALY_DAYS", "ANOMALY_SERVICE", "generate", "write"]


def generate(
    start: str = "2025-01",
    months: int = 3,
    rows: int = 0,
    *,
    seed: int = 7,
    anomaly_month: str | None = None,
    version: str = "1.2",
    currency: str = "USD",
) -> Any:
    """A FOCUS export (pyarrow Table) of ``months`` months from ``start`` (YYYY-MM), daily
    lines, about ``rows`` rows (at least the core scenarios); the CDN spend of
    ``anomaly_month`` (default: the second-to-last month) spikes on its 10th to 12th."""
    import pyarrow as pa  # type: ignore[import-untyped]

    y, m = (int(x) for x in start.split("-"))
    first = dt.date(y, m, 1)
    ends = dt.date(y + (m - 1 + months) // 12, (m - 1 + months) % 12 + 1, 1)
    days = (ends - first).days
    rng = np.random.default_rng(seed)
    lines = core(days)
    if rows > 0:
        lines += bulk(max(0, rows // days - len(lines)), rng)
    n = len(lines)
    dates = np.arange(np.datetime64(first), np.datetime64(ends), dtype="datetime64[D]")
    month_of = dates.astype("datetime64[M]")
    is_first = dates == month_of.astype("datetime64[D]")
    if anomaly_month is None:
        anomaly_month = str(month_of[-1] - 1) if months > 1 else str(month_of[-1])
    spike = np.isin(dates, [np.datetime64(f"{anomaly_month}-{d:02d}") for d in ANOMALY_DAYS])

    col = {
        k: np.array([getattr(x, k) for x in lines])
        for k in ("daily", "qty", "effective", "billed", "noise", "start", "end")
    }
    pattern = np.array([x.pattern for x in lines])
    monthly = pattern == "monthly"
    day = np.repeat(np.arange(days, dtype=np.int32), n)
    line = np.tile(np.arange(n, dtype=np.int32), days)
    keep = (day >= col["start"][line]) & (day < col["end"][line]) & (~monthly[line] | is_first[day])
    day, line = day[keep], line[keep]

    weekday = (dates.astype("datetime64[D]").view("int64") + 3) % 7  # 0 = Monday
    factor = np.ones(len(line))
    weekly = pattern[line] == "weekly"
    factor[weekly & (weekday[day] >= 5)] = 0.6
    growth = pattern[line] == "growth"
    factor[growth] *= 1 + 0.5 * day[growth] / 365
    noise = col["noise"][line]
    factor *= 1 + noise * rng.standard_normal(len(line))
    hot = np.array([x.anomaly for x in lines])[line] & spike[day]
    factor[hot] *= ANOMALY_FACTOR
    list_cost = np.round(col["daily"][line] * factor, 6)

    start_ts = dates[day].astype("datetime64[us]")
    month_start = month_of[day].astype("datetime64[us]")
    month_end = (month_of[day] + 1).astype("datetime64[us]")
    end_ts = np.where(monthly[line], month_end, start_ts + np.timedelta64(1, "D"))
    start_ts = np.where(monthly[line], month_start, start_ts)

    def text(values: Sequence[str | None]) -> Any:
        codes: dict[str, int] = {}
        per_line = np.array(
            [-1 if v is None else codes.setdefault(v, len(codes)) for v in values], dtype=np.int32
        )
        indices = per_line[line]
        words = pa.array(list(codes), pa.string())
        if (per_line >= 0).all():
            return pa.DictionaryArray.from_arrays(indices, words)
        return pa.DictionaryArray.from_arrays(np.maximum(indices, 0), words, mask=indices < 0)

    def ts(values: Any) -> Any:
        return pa.array(values, pa.timestamp("us", tz="UTC"))

    qty = np.where(col["qty"][line] > 0, col["qty"][line] * factor, np.nan)
    out: dict[str, Any] = {
        "BilledCost": np.round(list_cost * col["billed"][line], 6),
        "EffectiveCost": np.round(list_cost * col["effective"][line], 6),
        "ListCost": list_cost,
        "BillingCurrency": text([currency] * n),
        "BillingAccountId": text(
            ["111122223333" if x.provider == "aws" else f"{x.provider}-1" for x in lines]
        ),
        "BillingPeriodStart": ts(month_start),
        "BillingPeriodEnd": ts(month_end),
        "ChargePeriodStart": ts(start_ts),
        "ChargePeriodEnd": ts(end_ts),
        "ChargeCategory": text([x.charge for x in lines]),
        "ChargeDescription": text([x.description or None for x in lines]),
        "ChargeFrequency": text(
            ["Recurring" if x.pattern == "monthly" else "Usage-Based" for x in lines]
        ),
        "ServiceName": text([x.service for x in lines]),
        "ServiceCategory": text([x.category for x in lines]),
        "ResourceId": text([x.rid for x in lines]),
        "ResourceName": text([x.name for x in lines]),
        "ResourceType": text([x.rtype for x in lines]),
        "RegionId": text([x.region for x in lines]),
        "Tags": text([json.dumps(x.tags, separators=(",", ":")) for x in lines]),
        "PricingCategory": text([x.pricing if x.charge == "Usage" else None for x in lines]),
        "CommitmentDiscountId": text([x.commitment for x in lines]),
        "CommitmentDiscountType": text(["Savings Plan" if x.commitment else None for x in lines]),
        "ConsumedQuantity": pa.array(qty, pa.float64(), from_pandas=True),
        "ConsumedUnit": text([x.unit for x in lines]),
        "SkuId": text([x.sku for x in lines]),
    }
    names = [PROVIDER_NAMES[x.provider] for x in lines]
    out["ProviderName"] = text(names)
    out["PublisherName"] = text(names)
    if version >= "1.1":
        out["SkuPriceDetails"] = text([json.dumps(x.details) if x.details else None for x in lines])
        out["CommitmentDiscountStatus"] = text(
            ["Used" if x.commitment and x.charge == "Usage" else None for x in lines]
        )
    if version >= "1.2":
        out["InvoiceId"] = text([f"INV-{x.provider}" for x in lines])
    if version >= "1.3":
        out["ServiceProviderName"] = text(names)
        out["HostProviderName"] = text(names)
    return pa.table(out)


def write(table: Any, path: Path) -> Path:
    """Write ``table`` as Parquet (``*.parquet``) or CSV (``*.csv``, gzip'd as ``*.csv.gz``)."""
    import pyarrow as pa
    import pyarrow.compute as pc  # type: ignore[import-untyped]
    from pyarrow import csv, parquet

    path.parent.mkdir(parents=True, exist_ok=True)
    if ".parquet" in path.name:
        parquet.write_table(table, path, compression="zstd")
        return path
    cols = []
    for name in table.column_names:
        c = table[name]
        if pa.types.is_dictionary(c.type):
            c = c.cast(pa.string())
        elif pa.types.is_timestamp(c.type):
            c = pc.strftime(c, format="%Y-%m-%dT%H:%M:%SZ")
        cols.append(c)
    plain = pa.table(cols, names=table.column_names)
    if path.name.endswith(".gz"):
        with pa.CompressedOutputStream(str(path), "gzip") as out:
            csv.write_csv(plain, out)
    else:
        csv.write_csv(plain, path)
    return path
