"""``warden check``: run monitors now and print the results (not stored; ``warden up`` stores).

Each probe's ``prepare()`` runs before any check starts, so a driver's import time is never
counted as a check's latency. ``--watch --json`` prints one JSON object per line (NDJSON).
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Sequence
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
        bool,
        typer.Option(
            "--once/--watch",
            help="Run once, or repeat every interval (with --json: one JSON object per line).",
        ),
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
        payload = {"results": [_result_json(r) for r in results], "down": down}
        if json_out and not once:
            write_json_line("check", payload)
        elif json_out:
            write_json("check", payload)
        else:
            _print_results(results)
        if once:
            break
        time.sleep(min(m.interval for m in monitors))
    if down:
        raise typer.Exit(EXIT_PROBLEM)


def write_json_line(kind: str, payload: dict[str, Any]) -> None:
    """The ``--json`` document of ``kind`` on one line (NDJSON), flushed at once."""
    import json

    from warden.report.jsonout import dumps

    sys.stdout.write(json.dumps(json.loads(dumps(kind, payload)), separators=(",", ":")) + "\n")
    sys.stdout.flush()


async def _run(monitors: list[Any], concurrency: int) -> list[CheckResult]:
    from warden.engine.app import build_probe
    from warden.probes import ProbeDeps

    deps = ProbeDeps()
    return await run_probes([build_probe(m, deps) for m in monitors], concurrency)


async def run_probes(probes: Sequence[Any], concurrency: int) -> list[CheckResult]:
    """Prepare every probe (drivers loaded), then run the checks, at most ``concurrency`` at
    once; the probes are closed afterwards."""
    from warden.engine.runner import run_check

    sem = asyncio.Semaphore(concurrency)

    async def one(probe: Any) -> CheckResult:
        async with sem:
            return await run_check(probe, time.time())

    try:
        for p in probes:  # before any clock starts: imports block the event loop
            p.prepare()
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
    from warden.cli._table import Col, table
    from warden.report.text import ms, status_markup

    cols = [
        Col("monitor"),
        Col("state", keep=True, whole=True),
        Col("latency", right=True, keep=True),
        *(Col(p, right=True) for p in PHASES),
        Col("error"),
        Col("message", wrap=True),
    ]
    rows = [
        [
            r.monitor,
            status_markup(r.status),
            ms(r.latency),
            *(ms(r.phases.get(p)) for p in PHASES),
            str(r.error) or "",
            r.message,
        ]
        for r in results
    ]
    stdout().print(table(cols, rows))
