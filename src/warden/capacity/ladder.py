"""The database scaling ladder: where a database stands and the next step, from measured facts.

Six steps, in the order a small team should climb them: 1 single instance, 2 vertical (a
bigger machine), 3 read replicas, 4 connection pooling, 5 a cache, 6 sharding. A step is in
place when the facts show it (replicas, a pooler, a cache in the config) or the user says it
was tried (``tried``: a bigger machine cannot be seen from inside the database).

The next step is the lowest step not in place that relieves a pressure the numbers show:

- connections at 70 % of the maximum or more, or growing to it within 30 days: pooling (4);
- a cache hit ratio under 99 % (PostgreSQL) or 95 % (InnoDB): more memory (2), then a cache (5);
- over 1,000 transactions a second: read-heavy (80 % reads or more) read replicas (3) then a
  cache (5); write-heavy a bigger machine (2);
- a table over 100 GiB or a database over 500 GiB: a bigger machine (2), and sharding (6)
  only once steps 2 to 5 are all in place (until then, the first of them not in place).

Without pressure the advice is to stay, with the headroom in numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from warden.capacity.database import DbFacts

SCHEMA = "warden.capacity.database/v1"
STEPS = {
    1: "single instance",
    2: "vertical scaling",
    3: "read replicas",
    4: "connection pooling",
    5: "cache",
    6: "sharding",
}
TRIED = {"vertical": 2, "replicas": 3, "pooling": 4, "cache": 5, "sharding": 6}
GIB = 1024**3


@dataclass
class Pressure:
    kind: str  # connections, cache_hit, load, size
    why: str
    steps: tuple[int, ...]  # what relieves it, in order


@dataclass
class Placement:
    in_place: dict[int, str] = field(default_factory=dict)  # step -> evidence
    pressures: list[Pressure] = field(default_factory=list)
    next_step: int | None = None
    why: list[str] = field(default_factory=list)

    @property
    def current(self) -> int:
        return max(self.in_place, default=1)


def pressures(f: DbFacts) -> list[Pressure]:
    out: list[Pressure] = []
    used = f.connections / f.max_connections if f.max_connections else 0.0
    growth = f.connection_growth_per_day
    days_left = (f.max_connections - f.connections) / growth if growth and growth > 0 else None
    if used >= 0.7 or (days_left is not None and days_left <= 30):
        reach = f" and reach it in {days_left:.0f} days" if days_left is not None else ""
        out.append(Pressure(
            "connections",
            f"{f.connections} of {f.max_connections} connections in use ({used:.0%}){reach}",
            (4,),
        ))  # fmt: skip
    floor = 0.99 if f.engine == "postgresql" else 0.95
    if f.cache_hit_ratio is not None and f.cache_hit_ratio < floor:
        out.append(Pressure(
            "cache_hit",
            f"cache hit ratio {f.cache_hit_ratio:.2%} (below {floor:.0%}: reads go to disk)",
            (2, 5),
        ))  # fmt: skip
    if f.tps is not None and f.tps >= 1000:
        ratio = f.read_ratio
        if ratio is not None and ratio >= 0.8:
            out.append(Pressure(
                "load", f"{f.tps:,.0f} transactions/s, {ratio:.0%} of row work is reads",
                (3, 5),
            ))  # fmt: skip
        else:
            out.append(Pressure("load", f"{f.tps:,.0f} transactions/s, write-heavy", (2,)))
    biggest = max((t.bytes for t in f.largest_tables), default=0)
    if biggest >= 100 * GIB or f.database_bytes >= 500 * GIB:
        out.append(Pressure(
            "size",
            f"largest table {biggest / GIB:,.0f} GiB, database {f.database_bytes / GIB:,.0f} GiB",
            (2, 6),
        ))  # fmt: skip
    return out


def place(f: DbFacts, tried: set[str] | None = None) -> Placement:
    p = Placement()
    if f.replicas or f.is_replica:
        p.in_place[3] = (
            f"{f.replicas} replica(s) streaming" if f.replicas else "this server is a replica"
        )
    if f.pooler is not None:
        p.in_place[4] = (
            f"{f.pooler.kind} in front ({f.pooler.pool_mode} pooling, "
            f"{f.pooler.clients} clients on {f.pooler.servers} server connections)"
        )
    if f.cache_layer:
        p.in_place[5] = f.cache_layer
    for name in tried or set():
        p.in_place.setdefault(TRIED[name], "tried, as you said")
    p.pressures = pressures(f)
    reasons: dict[int, list[str]] = {}
    for pressure in p.pressures:
        for relief in pressure.steps:
            if relief in p.in_place:
                continue
            step, why = relief, pressure.why
            if relief == 6:
                untried = [s for s in (2, 3, 4, 5) if s not in p.in_place]
                if untried:  # never shard while an earlier step is untried
                    step = untried[0]
                    why += f"; try {STEPS[step]} before sharding"
            reasons.setdefault(step, []).append(why)
            break
    if reasons:
        p.next_step = min(reasons)
        p.why = reasons[p.next_step]
    else:
        p.why = [_headroom(f)] if not p.pressures else [
            "every step that relieves " + ", ".join(x.kind for x in p.pressures)
            + " is in place: measure again after the last change"
        ]  # fmt: skip
    return p


def _headroom(f: DbFacts) -> str:
    parts = [f"{f.connections} of {f.max_connections} connections"]
    if f.tps is not None:
        parts.append(f"{f.tps:,.1f} transactions/s")
    if f.cache_hit_ratio is not None:
        parts.append(f"cache hit {f.cache_hit_ratio:.2%}")
    parts.append(f"{f.database_bytes / GIB:,.2f} GiB")
    return "no pressure: " + ", ".join(parts) + "; stay where you are"


def ladder_json(f: DbFacts, p: Placement) -> dict[str, Any]:
    """The JSON of ``warden capacity database --json`` and its API twin."""
    steps = []
    for n, name in STEPS.items():
        if n in p.in_place:
            status, evidence = "in place", p.in_place[n]
        elif n == 1:
            status, evidence = "in place", "one primary server"
        elif n == p.next_step:
            status, evidence = "next", "; ".join(p.why)
        else:
            status, evidence = "not yet", ""
        steps.append({"step": n, "name": name, "status": status, "evidence": evidence})
    return {
        "schema": SCHEMA,
        "database": f.json(),
        "current_step": p.current,
        "next_step": None
        if p.next_step is None
        else {"step": p.next_step, "name": STEPS[p.next_step], "why": p.why},
        "advice": p.why,
        "pressures": [{"kind": x.kind, "why": x.why} for x in p.pressures],
        "steps": steps,
    }


@dataclass
class Target:
    """A database to place: its URL, and the collector that samples it (for growth)."""

    url: str
    collector: str | None = None


def resolve(name_or_url: str, config: Any) -> Target:
    """A configured postgres or mysql collector by name (its URL, password included), or a URL
    given directly. ValueError when it is neither."""
    if "://" in name_or_url:
        return Target(name_or_url)
    for c in config.collectors:
        if c.display_name() == name_or_url and c.collector_type() in ("postgres", "mysql"):
            cfg = c.collector_config()
            password = cfg.password.get_secret_value() if cfg.password else None
            from warden.collectors._common import with_password

            return Target(with_password(cfg.url.get_secret_value(), password), name_or_url)
    known = [c.display_name() for c in config.collectors
             if c.collector_type() in ("postgres", "mysql")]  # fmt: skip
    raise ValueError(
        f"{name_or_url!r} is neither a postgresql:// or mysql:// URL nor a database collector"
        + (f" (configured: {', '.join(known)})" if known else "")
    )


def cache_layer(config: Any) -> str | None:
    """A cache the config watches (a redis collector or monitor), as evidence for step 5."""
    for c in config.collectors:
        if c.collector_type() == "redis":
            return f"redis collector {c.display_name()!r} in the config"
    for m in config.monitors:
        if m.probe_type() == "redis":
            return f"redis monitor {m.name!r} in the config"
    return None


def connection_growth(engine: Any, target: Target, engine_kind: str, now: float) -> float | None:
    """Connections gained per day over the last week, from the collector's samples."""
    if target.collector is None or engine is None:
        return None
    from warden.capacity.model import forecast
    from warden.store import queries

    series = "postgres_connections" if engine_kind == "postgresql" else "mysql_threads_connected"
    got = queries.sample_buckets(engine, series, now - 7 * 86400, now + 1, fine_from=now - 86400)
    for labels, buckets in got.items():
        if f'"collector": "{target.collector}"' not in labels:
            continue
        times = sorted(b for b in buckets if buckets[b][1])
        values = [buckets[b][0] / buckets[b][1] for b in times]
        f = forecast(times, values, 1e18, now)  # no limit here: only the slope is wanted
        if f.status == "ok":
            return f.slope_per_day
    return None


async def database_ladder(
    target: Target,
    config: Any,
    *,
    engine: Any = None,
    sample: float = 5.0,
    pgbouncer: str | None = None,
    tried: set[str] | None = None,
    now: float,
) -> dict[str, Any]:
    """Measure the database, place it on the ladder and say the next step (the one function
    behind ``warden capacity database`` and ``/api/v1/capacity/databases/{name}``)."""
    from warden.capacity.database import measure

    facts = await measure(target.url, sample=sample, pgbouncer=pgbouncer)
    facts.cache_layer = cache_layer(config)
    facts.connection_growth_per_day = connection_growth(engine, target, facts.engine, now)
    return ladder_json(facts, place(facts, tried))
