"""Which sampled series are resources with a limit, and their history from the store.

Built in: disk per mount, memory and swap per host, PostgreSQL and MySQL connections against
their maximum, Redis memory against maxmemory, Redis clients against maxclients, and the
fullest PostgreSQL sequence of each database against its maximum value. Each pairs
a usage series with a limit series of the same labels; a limit of 0 (no maxmemory, no swap) is
no limit and the resource is left out. ``capacity: resources:`` adds series of your own (a
queue's depth, a backup repository's size) with a fixed limit or a limit series.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine

from warden.capacity.config import ResourceConfig
from warden.store import queries


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    used: str
    limit_series: str | None
    unit: str
    limit: float | None = None
    labels: Mapping[str, str] | None = None


BUILTIN: tuple[Kind, ...] = (
    Kind("disk", "host_disk_used_bytes", "host_disk_total_bytes", "bytes"),
    Kind("memory", "host_memory_used_bytes", "host_memory_total_bytes", "bytes"),
    Kind("swap", "host_swap_used_bytes", "host_swap_total_bytes", "bytes"),
    Kind("postgres_connections", "postgres_connections", "postgres_connections_max", "connections"),
    Kind("mysql_connections", "mysql_threads_connected", "mysql_connections_max", "connections"),
    Kind("redis_memory", "redis_memory_used_bytes", "redis_memory_max_bytes", "bytes"),
    Kind("redis_clients", "redis_connected_clients", "redis_clients_max", "clients"),
    Kind("postgres_sequences", "postgres_sequence_used_ratio", None, "ratio", limit=1.0),
)
_NAMING = ("host", "mount", "collector", "queue", "database", "instance")


@dataclass
class History:
    """One resource: what it is, its limit now, and its usage over the lookback."""

    kind: str
    name: str
    labels: dict[str, str]
    unit: str
    limit: float
    times: list[float]
    values: list[float]


def kinds(own: Sequence[ResourceConfig]) -> list[Kind]:
    return [
        *BUILTIN,
        *(Kind(r.name, r.series, r.limit_series, r.unit, r.limit, r.labels or None) for r in own),
    ]


def histories(
    engine: Engine, own: Sequence[ResourceConfig], since: float, until: float
) -> list[History]:
    """Every resource with samples in the window and a positive limit, oldest point first
    (per minute for the last three days, per hour before: what the rollups keep)."""
    out: list[History] = []
    fine_from = until - 3 * 86400.0
    for kind in kinds(own):
        used = queries.sample_buckets(engine, kind.used, since, until, fine_from=fine_from)
        limits = (
            queries.sample_buckets(engine, kind.limit_series, since, until, fine_from=fine_from)
            if kind.limit_series
            else {}
        )
        for key, buckets in sorted(used.items()):
            labels = json.loads(key)
            if kind.labels and any(labels.get(k) != v for k, v in kind.labels.items()):
                continue
            limit = kind.limit
            if limit is None:
                limit = _last_mean(limits.get(key, {}))
            if limit is None or not math.isfinite(limit) or limit <= 0:
                continue
            times = sorted(buckets)
            values = [buckets[b][0] / buckets[b][1] for b in times if buckets[b][1]]
            times = [b for b in times if buckets[b][1]]
            if not times:
                continue
            out.append(
                History(kind.name, _name(kind.name, labels), labels, kind.unit, limit,
                        times, values)
            )  # fmt: skip
    return out


def _last_mean(buckets: Mapping[float, tuple[float, int]]) -> float | None:
    for b in sorted(buckets, reverse=True):
        total, n = buckets[b]
        if n:
            return total / n
    return None


def _name(kind: str, labels: Mapping[str, str]) -> str:
    """``disk / on web-1``: the kind and the labels that tell resources of a kind apart."""
    parts = [labels[k] for k in _NAMING if k in labels and not (k == "collector" and "host"
                                                                 in labels)]  # fmt: skip
    return f"{kind} {' on '.join(parts)}" if parts else kind
