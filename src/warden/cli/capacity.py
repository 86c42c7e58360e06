"""``warden capacity``: when each sampled resource reaches 80 % and 100 % of its limit."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer

from warden.cli._common import ConfigOption, JsonOption, handle_errors, load, stdout, write_json
from warden.cli._table import Col, table

app = typer.Typer(
    help="Capacity. Alone: when each resource reaches 80 % and 100 % of its limit (a forecast "
    "with a range). Also scaling policies and the database scaling ladder.",
    invoke_without_command=True,
)

_RISK = {"critical": "red", "warning": "yellow", "unknown": "dim", "ok": "green"}


@app.callback()
@handle_errors
def capacity(
    ctx: typer.Context,
    kind: Annotated[
        str | None, typer.Option(help="Only resources of this kind (disk, memory, redis_*...).")
    ] = None,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Forecast every resource with a limit from stored samples: time to 80 % and 100 %, with
    an 80 % range, or 'not enough data' and how much more is needed."""
    if ctx.invoked_subcommand is not None:
        return
    from warden.capacity.report import capacity_report
    from warden.tables import open_store

    cfg = load(config)
    store = open_store(cfg.store.url.get_secret_value())
    try:
        data = capacity_report(store.engine, cfg.capacity, time.time(), kind=kind)
    finally:
        store.close()
    if json_out:
        write_json("capacity", data)
        return
    _print(data)


def _amount(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "bytes":
        from warden.audit._base import human_bytes

        return human_bytes(value)
    return f"{value:,.0f}"


def _when(eta: dict[str, Any] | None) -> str:
    from warden.audit._base import human_seconds

    if eta is None or eta["in_seconds"] is None:
        return "-"
    if eta["in_seconds"] == 0:
        return "now"
    text = human_seconds(eta["in_seconds"])
    lo, hi = eta["earliest_in_seconds"], eta["latest_in_seconds"]
    if lo is not None and (hi is None or hi - lo > 0.05 * eta["in_seconds"]):
        text += f" ({human_seconds(lo)} to {human_seconds(hi) if hi is not None else '∞'})"
    return text


def _print(data: dict[str, Any]) -> None:
    out = stdout()
    rows = []
    for r in data["resources"]:
        growth = r["slope_per_day"]
        rows.append(
            [
                r["name"],
                f"[{_RISK[r['risk']]}]{r['risk']}[/]",
                "-" if r["used_ratio"] is None else f"{r['used_ratio'] * 100:.1f}%",
                f"{_amount(r['current'], r['unit'])} / {_amount(r['limit'], r['unit'])}",
                "-" if growth is None else f"{_amount(growth, r['unit'])}/d",
                _when(r["full_80"]),
                _when(r["full_100"]),
                r["reason"] or r["model"] or "",
            ]
        )
    if not rows:
        out.print(
            "No resource with a limit has samples yet. Add a `host` collector (disks, memory) or "
            "a postgres/mysql/redis collector to warden.yaml and run `warden up`; see "
            "docs/capacity.md."
        )
        return
    cols = [
        Col("resource"), Col("risk", whole=True), Col("used", right=True),
        Col("now / limit", right=True), Col("growth", right=True), Col("80% in"),
        Col("full in"), Col("model / why", wrap=True),
    ]  # fmt: skip
    out.print(table(cols, rows))


@app.command("database")
@handle_errors
def database(
    target: Annotated[
        str, typer.Argument(help="A postgres or mysql collector's name, or a database URL.")
    ],
    pgbouncer: Annotated[
        str | None,
        typer.Option(help="The admin console of a PgBouncer in front (…/pgbouncer)."),
    ] = None,
    tried: Annotated[
        list[str] | None,
        typer.Option(
            help="A step already taken that the database cannot show: vertical, replicas, "
            "pooling, cache or sharding (repeatable)."
        ),
    ] = None,
    sample: Annotated[
        str, typer.Option(help="How long to measure transactions and row work.")
    ] = "5s",
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Place a PostgreSQL or MySQL database on the scaling ladder and name the next step.

    The ladder: single instance, vertical, read replicas, pooling, cache, sharding; decided
    from measured facts.
    """
    import asyncio

    from warden.capacity.ladder import TRIED, database_ladder, resolve
    from warden.cli._common import config_path, fail
    from warden.config._types import parse_duration

    for step in tried or []:
        if step not in TRIED:
            fail(f"--tried {step!r}: one of {', '.join(TRIED)}")
    try:
        seconds = parse_duration(sample)
    except ValueError as exc:
        fail(f"--sample {sample!r}: {exc}")
    if not 0.5 <= seconds <= 300:
        fail("--sample: between 0.5s and 5m")
    cfg = None
    if "://" not in target or config_path(config).exists():
        cfg = load(config)
    try:
        resolved = resolve(target, cfg if cfg is not None else _NoConfig())
    except ValueError as exc:
        fail(str(exc))
    store = None
    if cfg is not None and resolved.collector is not None:
        from warden.tables import open_store

        store = open_store(cfg.store.url.get_secret_value())
    try:
        data = asyncio.run(
            database_ladder(
                resolved, cfg if cfg is not None else _NoConfig(),
                engine=store.engine if store is not None else None, sample=seconds,
                pgbouncer=pgbouncer, tried=set(tried or []), now=time.time(),
            )
        )  # fmt: skip
    finally:
        if store is not None:
            store.close()
    if json_out:
        write_json("capacity.database", data)
        return
    _print_ladder(data)


class _NoConfig:
    collectors: list[Any] = []
    monitors: list[Any] = []


def _print_ladder(data: dict[str, Any]) -> None:
    out = stdout()
    db = data["database"]
    read = "-" if db["read_ratio"] is None else f"{db['read_ratio']:.0%} reads"
    hit = "-" if db["cache_hit_ratio"] is None else f"{db['cache_hit_ratio']:.2%}"
    out.print(
        f"{db['engine']} {db['version']} at {db['target']}: {db['connections']} of "
        f"{db['max_connections']} connections, {db['tps'] or 0:,.1f} transactions/s ({read}), "
        f"cache hit {hit}, {db['database_bytes'] / 1024**3:,.2f} GiB, "
        f"{db['replicas']} replica(s)"
    )
    marks = {"in place": "[green]✓[/]", "next": "[yellow]→[/]", "not yet": " "}
    for s in data["steps"]:
        line = f" {marks[s['status']]} {s['step']}. {s['name']}"
        if s["evidence"]:
            line += f" [dim]({s['evidence']})[/]"
        out.print(line)
    if data["next_step"]:
        out.print(f"Next: step {data['next_step']['step']}, {data['next_step']['name']}.")
    else:
        out.print("; ".join(data["advice"]))


@app.command("scaling")
@handle_errors
def scaling(
    since: Annotated[str, typer.Option(help="Decisions since (duration back or time).")] = "24h",
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """The scaling policies: their size now, bounds and action, and their recent decisions."""
    from warden.capacity.scaling_report import scaling_report
    from warden.cli._common import fail
    from warden.config._types import parse_moment
    from warden.tables import open_store

    now = time.time()
    try:
        start = parse_moment(since, now)
    except ValueError as exc:
        fail(f"--since: {exc}")
    cfg = load(config)
    store = open_store(cfg.store.url.get_secret_value())
    try:
        data = scaling_report(store.engine, cfg.scaling, now, start)
    finally:
        store.close()
    if json_out:
        write_json("capacity.scaling", data)
        return
    out = stdout()
    if not data["policies"]:
        out.print("No scaling policies: add a `scaling:` section (docs/capacity.md#scaling).")
        return
    rows = [
        [
            p["name"],
            str(p["size"]),
            f"{p['bounds_now'][0]}..{p['bounds_now'][1]}",
            p["action"] + (" (dry run)" if p["dry_run"] else ""),
            ", ".join(t["name"] for t in p["triggers"]),
        ]
        for p in data["policies"]
    ]
    out.print(table([Col("policy"), Col("size", right=True), Col("bounds"), Col("action"),
                     Col("triggers", wrap=True)], rows))  # fmt: skip
    import datetime as dt

    for e in data["events"][:20]:
        when = dt.datetime.fromtimestamp(e["time"], dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        verb = "would scale" if e["dry_run"] else "scaled" if e["ok"] else "[red]failed[/]"
        out.print(f"{when} {e['policy']} {verb} {e['from']} -> {e['to']}: {e['reason']}"
                  + (f" ({e['error']})" if e["error"] else ""))  # fmt: skip


@app.command("export-hpa")
@handle_errors
def export_hpa(
    policy: Annotated[str, typer.Argument(help="The scaling policy's name.")],
    config: ConfigOption = None,
) -> None:
    """Print a scaling policy as the equivalent Kubernetes HorizontalPodAutoscaler (YAML)."""
    from warden.capacity.hpa import hpa_yaml
    from warden.cli._common import fail

    cfg = load(config)
    for p in cfg.scaling:
        if p.name == policy:
            stdout().print(hpa_yaml(p), end="", markup=False, highlight=False)
            return
    names = ", ".join(p.name for p in cfg.scaling) or "none configured"
    fail(f"no scaling policy named {policy!r} ({names})")
