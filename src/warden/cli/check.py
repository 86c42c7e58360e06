"""``warden check`` runs monitors now; ``warden status`` shows the stored current state."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any

import typer

from warden.cli._common import (
    EXIT_INPUT,
    EXIT_PROBLEM,
    ConfigOption,
    JsonOption,
    fail,
    handle_errors,
    load,
    stdout,
    write_json,
)
from warden.results import PHASES, CheckResult, Status


@handle_errors
def check(
    names: Annotated[
        list[str] | None, typer.Argument(help="Monitors to check.", show_default=False)
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Check every monitor.")] = False,
    once: Annotated[
        bool, typer.Option("--once/--watch", help="Run once, or repeat every interval.")
    ] = True,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Run checks now and print the results; exits 1 if any is down."""
    cfg = load(config)
    if all_:
        monitors = [m for m in cfg.monitors if m.enabled]
    elif names:
        known = {m.name: m for m in cfg.monitors}
        missing = [n for n in names if n not in known]
        if missing:
            fail(
                f"no monitor named {', '.join(map(repr, missing))} (see `warden status`)",
                EXIT_INPUT,
            )
        monitors = [known[n] for n in names]
    else:
        fail("name the monitors to check, or give --all", EXIT_INPUT)
    while True:
        results = asyncio.run(_run(monitors, cfg.engine.concurrency))
        down = any(r.status is Status.DOWN for r in results)
        if json_out:
            write_json("check", {"results": [_result_json(r) for r in results], "down": down})
        else:
            _print_results(results)
        if once:
            break
        time.sleep(min(m.interval for m in monitors))
    if down:
        raise typer.Exit(EXIT_PROBLEM)


async def _run(monitors: list[Any], concurrency: int) -> list[CheckResult]:
    from warden.engine.app import build_probe
    from warden.engine.runner import run_check
    from warden.probes import ProbeDeps

    deps = ProbeDeps()
    sem = asyncio.Semaphore(concurrency)
    probes = [build_probe(m, deps) for m in monitors]

    async def one(probe: Any) -> CheckResult:
        async with sem:
            return await run_check(probe, time.time())

    try:
        return list(await asyncio.gather(*(one(p) for p in probes)))
    finally:
        for p in probes:
            await p.close()


def _result_json(r: CheckResult) -> dict[str, Any]:
    return {
        "monitor": r.monitor,
        "status": r.status.label,
        "latency": r.latency,
        "time": r.time,
        "error": str(r.error) or None,
        "message": r.message,
        "phases": dict(r.phases),
        "metrics": dict(r.metrics),
    }


def _print_results(results: list[CheckResult]) -> None:
    from rich.table import Table

    from warden.report.text import ms, status_markup

    table = Table(box=None, header_style="bold")
    for col in ("monitor", "state", "latency", *PHASES, "error", "message"):
        table.add_column(col, justify="right" if col in PHASES or col == "latency" else "left")
    for r in results:
        table.add_row(
            r.monitor,
            status_markup(r.status),
            ms(r.latency),
            *(ms(r.phases.get(p)) for p in PHASES),
            str(r.error) or "",
            r.message,
        )
    stdout().print(table)


@handle_errors
def status(config: ConfigOption = None, json_out: JsonOption = False) -> None:
    """Show every monitor's current state from the store; exits 1 if any is down."""
    from warden.tables import open_store

    cfg = load(config)
    store = open_store(cfg.store.url.get_secret_value())
    try:
        states = {s.monitor: s for s in store.states()}
    finally:
        store.close()
    now = time.time()
    rows = []
    for m in cfg.monitors:
        st = states.get(m.name)
        rows.append(
            {
                "monitor": m.name,
                "type": m.probe_type(),
                "group": m.group,
                "status": st.status.label if st else "unknown",
                "since": st.since if st else None,
                "last_check": st.last_ts if st else None,
                "latency": st.latency if st else None,
                "error": (str(st.error) or None) if st else None,
                "message": st.message if st else "",
            }
        )
    down = any(r["status"] == "down" for r in rows)
    if json_out:
        write_json("status", {"monitors": rows, "down": down})
    else:
        from rich.table import Table

        from warden.report.text import ago, ms, status_markup

        table = Table(box=None, header_style="bold")
        for col in (
            "monitor",
            "type",
            "group",
            "state",
            "since",
            "last check",
            "latency",
            "message",
        ):
            table.add_column(col)
        for r, m in zip(rows, cfg.monitors, strict=True):
            st = states.get(m.name)
            table.add_row(
                r["monitor"],
                r["type"],
                r["group"],
                status_markup(st.status) if st else "[dim]unknown[/]",
                ago(st.since, now) if st else "-",
                ago(st.last_ts, now) if st else "-",
                ms(st.latency) if st else "-",
                r["message"],
            )
        stdout().print(table)
    if down:
        raise typer.Exit(EXIT_PROBLEM)
