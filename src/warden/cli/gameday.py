"""``warden gameday run PLAN.yaml`` and ``warden gameday list``: failure drills, scored.

``run`` injects the plan's faults next to a running ``warden up`` (same store), watches which
alerts fire and whether the monitors recover, reverts every fault (also on Ctrl-C or an error),
saves the scorecard and exits 1 unless every expectation held. A plan whose faults cannot all
be reverted is refused before anything is injected (exit 2).
"""

from __future__ import annotations

import time
from pathlib import Path
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
    stderr,
    stdout,
    write_json,
)

app = typer.Typer(help="Game days: inject faults, check the alerts and recovery, score.",
                  no_args_is_help=True)  # fmt: skip


@app.command("run")
@handle_errors
def run(
    plan_file: Annotated[Path, typer.Argument(help="The plan (YAML), see docs/gameday.md.")],
    check_only: Annotated[
        bool, typer.Option("--check", help="Only check that every fault can be reverted.")
    ] = False,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Run a game day beside `warden up`; exits 1 unless every expectation held."""
    from warden.gameday.faults import FaultError
    from warden.gameday.plan import load_plan
    from warden.gameday.runner import check_all, run_gameday
    from warden.gameday.storage import save
    from warden.tables import open_store

    plan = load_plan(plan_file)
    cfg = load(config)
    known = {m.name for m in cfg.monitors}
    for r in plan.expect.recover:
        if r.monitor not in known:
            fail(f"{plan_file}: expect.recover: no monitor named {r.monitor!r} in the config")
    try:
        if check_only:
            check_all(plan)
            stdout().print(f"ok: every fault of {plan.name!r} can be injected and reverted")
            return
    except FaultError as exc:
        fail(str(exc), EXIT_INPUT)
    err = stderr()
    store = open_store(cfg.store.url.get_secret_value())
    try:
        try:
            with err.status(f"game day {plan.name}") as status:

                def progress(text: str) -> None:
                    err.print(f"  {text}", markup=False, highlight=False)
                    status.update(f"game day {plan.name}: {text}")

                result = run_gameday(plan, store.engine, store.states, progress=progress)
        except FaultError as exc:
            fail(str(exc), EXIT_INPUT if "refused" in str(exc) else EXIT_PROBLEM)
        result["id"] = save(store.engine, result)
    finally:
        store.close()
    if json_out:
        write_json("gameday", result)
    else:
        _print(result)
    if not result["passed"] or result["revert_errors"]:
        raise typer.Exit(EXIT_PROBLEM)


@app.command("list")
@handle_errors
def list_runs(
    limit: Annotated[int, typer.Option(help="How many runs, newest first.")] = 20,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Past game days with their score."""
    from warden.gameday.storage import runs
    from warden.tables import open_store

    cfg = load(config)
    store = open_store(cfg.store.url.get_secret_value())
    try:
        got = runs(store.engine, limit)
    finally:
        store.close()
    if json_out:
        write_json("gamedays", {"runs": got})
        return
    from rich.table import Table

    table = Table("#", "Plan", "When", "Score", "Detect", "Ack", "Recover")
    for r in got:
        table.add_row(str(r["id"]), r["plan"], time.strftime("%Y-%m-%d %H:%M", time.gmtime(
            r["started"])), f"{r['score']}%", _s(r["time_to_detect"]),
            _s(r["time_to_acknowledge"]), _s(r["time_to_recover"]))  # fmt: skip
    stdout().print(table if got else "no game days yet: `warden gameday run PLAN.yaml`")


def _s(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.0f}s"


def _print(result: dict[str, Any]) -> None:
    out = stdout()
    verdict = "[green]passed[/]" if result["passed"] else "[red]failed[/]"
    out.print(f"[bold]{result['plan']}[/]: {verdict}, score {result['score']}%")
    for line in result["lines"]:
        tick = "[green]✓[/]" if line["passed"] else "[red]✗[/]"
        if line["kind"] == "fire":
            if line["fired"]:
                said = (f"fired after {_s(line['time_to_detect'])} (within "
                        f"{_s(line['within'])}), severity {line['severity']}")  # fmt: skip
                said += ", runbook linked" if line["runbook"] else ", no runbook"
                if line["time_to_acknowledge"] is not None:
                    said += f", acknowledged after {_s(line['time_to_acknowledge'])}"
            else:
                said = "did not fire"
            out.print(f" {tick} alert {line['alert']} must fire: {said}")
        elif line["kind"] == "not_fire":
            out.print(f" {tick} alert {line['alert']} must not fire: "
                      + ("it fired" if line["fired"] else "it did not"))  # fmt: skip
        else:
            took = line["time_to_recover"]
            said = f"up after {_s(took)}" if took is not None else "did not recover in time"
            out.print(f" {tick} {line['monitor']} recovers within {_s(line['within'])}: {said}")
    for problem in result["revert_errors"]:
        out.print(f"[bold red]NOT REVERTED[/]: {problem}")
