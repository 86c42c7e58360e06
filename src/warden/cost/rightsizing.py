"""Right-sizing with AWS Compute Optimizer's method over Warden's own host samples.

For each host a ``host`` collector samples (``host_cpu_percent{cpu="total"}``,
``host_memory_used_percent``, ``host_cpu_count``, ``host_memory_total_bytes``) over the
lookback (14 days): the P99.5 of its per-minute CPU and memory use. The size it needs keeps
the headroom free: ``vCPU x P99.5 / (1 - headroom)``, and the same for memory. The
recommendation is the cheapest catalog instance of the same provider, region (and CPU
architecture) with at least that much; its saving is the monthly cost times the price cut.

A host is the bill's instance whose ResourceName, ResourceId or Name/host tag is the host's
``host`` label (then its cost is the bill's, in the bill's currency); a host the bill does
not name is priced from the catalog (``rightsizing.hosts`` gives its type, else the closest
size of its vCPUs and memory, in ``rightsizing.provider``/``region``), converted with
``currency_per_usd``. Instances in the bill without samples are counted, not guessed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Engine

from warden.cost.catalog import Catalog, Instance
from warden.cost.config import CostConfig
from warden.cost.resources import Resource, brief

HOURS_PER_MONTH = 730.0
IDLE_CPU = 5.0  # P99.5 CPU below this: the host does nothing (waste, not right-sizing)


@dataclass
class Usage:
    host: str
    cpu: float  # P-th percentile, percent
    memory: float | None
    vcpu: float | None
    memory_gib: float | None
    hours: float  # hours of CPU samples


def host_usage(engine: Engine, config: CostConfig, now: float) -> list[Usage]:
    """The CPU and memory percentiles of every sampled host over the lookback."""
    from warden.store import queries

    rs = config.rightsizing
    since = now - rs.lookback
    out = []
    cpu = _per_host(
        queries.sample_buckets(engine, "host_cpu_percent", since, now, fine_from=since),
        {"cpu": "total"},
    )
    mem = _per_host(
        queries.sample_buckets(engine, "host_memory_used_percent", since, now, fine_from=since), {}
    )
    count = _last(queries.sample_buckets(engine, "host_cpu_count", since, now, whole=True))
    total = _last(queries.sample_buckets(engine, "host_memory_total_bytes", since, now, whole=True))
    for host, values in sorted(cpu.items()):
        m = mem.get(host)
        out.append(
            Usage(
                host,
                float(np.percentile(values, rs.cpu_percentile)),
                None if m is None else float(np.percentile(m, rs.memory_percentile)),
                count.get(host),
                None if host not in total else total[host] / 2**30,
                len(values) / 60,
            )
        )
    return out


def _per_host(
    got: dict[str, dict[float, tuple[float, int]]], need: dict[str, str]
) -> dict[str, Any]:
    out: dict[str, list[float]] = {}
    for text, buckets in got.items():
        labels = json.loads(text)
        if "host" not in labels or any(labels.get(k) != v for k, v in need.items()):
            continue
        out.setdefault(labels["host"], []).extend(s / n for s, n in buckets.values() if n)
    return {h: np.array(v) for h, v in out.items() if v}


def _last(got: dict[str, dict[float, tuple[float, int]]]) -> dict[str, float]:
    out = {}
    for text, buckets in got.items():
        host = json.loads(text).get("host")
        if host is not None and buckets:
            s, n = next(iter(buckets.values()))
            out[host] = s / max(1, n)
    return out


def _match(usage: Usage, by_name: dict[str, Resource]) -> Resource | None:
    return by_name.get(usage.host.lower())


def recommend(
    cur: Instance, use: Usage, catalog: Catalog, config: CostConfig
) -> tuple[str, Instance | None, float, float]:
    """(status, the recommended instance, vCPUs needed, GiB needed)."""
    rs = config.rightsizing
    vcpu = cur.vcpu * use.cpu / 100 / (1 - rs.cpu_headroom)
    mem = (
        cur.memory_gib
        * (use.memory if use.memory is not None else 100.0)
        / 100
        / (1 - rs.memory_headroom)
    )
    fits = [
        i
        for i in catalog.choices(cur.provider, cur.region, cur.arch if rs.same_arch else None)
        if i.vcpu >= vcpu and i.memory_gib >= mem
    ]
    best = fits[0] if fits else None
    if best is None:
        return "under-provisioned", None, vcpu, mem
    if vcpu > cur.vcpu or mem > cur.memory_gib:
        return "under-provisioned", best, vcpu, mem
    if best.usd_per_hour < cur.usd_per_hour * 0.99:
        return "over-provisioned", best, vcpu, mem
    return "right-sized", cur, vcpu, mem


def rightsizing(
    res: list[Resource], usage: list[Usage], catalog: Catalog, config: CostConfig
) -> tuple[dict[str, Any], list[tuple[Resource, float]]]:
    """Each sampled host's recommendation (claiming its saving on the bill's resource), and
    the bill's instances whose hosts are idle (with their CPU percentile)."""
    rs = config.rightsizing
    by_name: dict[str, Resource] = {}
    for one in res:
        if one.is_instance:
            for key in (one.id, one.name, one.tag("Name"), one.tag("host"), one.tag("hostname")):
                if key:
                    by_name.setdefault(key.lower(), one)
    rows: list[dict[str, Any]] = []
    idle: list[tuple[Resource, Usage]] = []
    matched: set[str] = set()
    for use in usage:
        r = _match(use, by_name)
        cur = None
        if r is not None:
            matched.add(r.id)
            cur = catalog.get(r.provider, r.region, r.itype) if r.itype else None
        if cur is None and use.host in rs.hosts:
            cur = catalog.get(rs.provider, rs.region, rs.hosts[use.host])
        if cur is None and r is None and use.vcpu and use.memory_gib:
            cur = catalog.closest(rs.provider, rs.region, use.vcpu, use.memory_gib)
        base = {
            "host": use.host,
            "resource_id": r.id if r else None,
            "cpu_percentile": round(use.cpu, 1),
            "memory_percentile": None if use.memory is None else round(use.memory, 1),
            "hours_of_samples": round(use.hours, 1),
        }
        if cur is None:
            rows.append({**base, "status": "unknown size", "current": None})
            continue
        monthly = (
            r.monthly
            if r is not None
            else (cur.usd_per_hour * HOURS_PER_MONTH * config.currency_per_usd)
        )
        base.update(
            current=cur.type,
            vcpu=cur.vcpu,
            memory_gib=cur.memory_gib,
            monthly_cost=round(monthly, 2),
            priced_from="bill" if r else "catalog",
        )
        if use.hours < rs.min_hours:
            rows.append({**base, "status": "not enough data"})
            continue
        if use.cpu < IDLE_CPU and r is not None:
            idle.append((r, use))
            rows.append({**base, "status": "idle"})
            continue
        status, best, vcpu, mem = recommend(cur, use, catalog, config)
        saving = 0.0
        if status == "over-provisioned" and best is not None:
            saving = monthly * (1 - best.usd_per_hour / cur.usd_per_hour)
            if r is not None:
                r.claims["rightsizing"] = saving
        rows.append(
            {
                **base,
                "status": status,
                "recommended": best.type if best else None,
                "needed_vcpu": round(vcpu, 2),
                "needed_memory_gib": round(mem, 2),
                "monthly_saving": round(saving, 2),
            }
        )
    rows.sort(key=lambda x: -float(x.get("monthly_saving") or 0.0))
    unmatched = [r for r in res if r.is_instance and r.id not in matched]
    return {
        "hosts": rows,
        "instances_without_samples": len(unmatched),
        "largest_without_samples": [brief(r, 0.0, r.itype or r.rtype) for r in unmatched[:10]],
        "method": f"P{rs.cpu_percentile:g} CPU with {rs.cpu_headroom:.0%} headroom, "
        f"P{rs.memory_percentile:g} memory with {rs.memory_headroom:.0%} headroom, "
        f"over {rs.lookback / 86400:g} days",
    }, [(r, u.cpu) for r, u in idle]
