"""``warden ready``: are we ready for N times today's peak? A bounded ramp, judged."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from warden.cli._common import (
    ConfigOption,
    JsonOption,
    config_path,
    fail,
    handle_errors,
    load,
    stdout,
    write_json,
)


def _factor(text: str) -> float:
    value = float(text.lower().removesuffix("x"))
    if not 1 <= value <= 1000:
        raise ValueError("between 1x and 1000x")
    return value


@handle_errors
def ready(
    target: Annotated[str, typer.Argument(help="Origin to ramp, e.g. http://127.0.0.1:8080.")],
    traffic: Annotated[str, typer.Option(help="How much of today's peak: 10x, 3x, ...")] = "10x",
    peak: Annotated[
        float | None, typer.Option(help="Today's peak (req/s); default: stored traffic.")
    ] = None,
    service: Annotated[
        str | None, typer.Option(help="Take the peak of this service's stored traffic.")
    ] = None,
    path: Annotated[
        list[str] | None, typer.Option("--path", help="Path to request (repeatable; /).")
    ] = None,
    steps: Annotated[int, typer.Option(min=1, max=20, help="Levels up to the target.")] = 5,
    step_duration: Annotated[str, typer.Option(help="How long each level holds.")] = "20s",
    p95: Annotated[str, typer.Option(help="Budget: p95 under this.")] = "200ms",
    error_rate: Annotated[float, typer.Option(help="Budget: error rate under this (%).")] = 0.1,
    database: Annotated[
        list[str] | None, typer.Option(help="A collector of warden.yaml to sample (repeat).")
    ] = None,
    allow_remote: Annotated[
        bool, typer.Option(help="Allow a target that is not loopback (your own hosts only).")
    ] = False,
    html: Annotated[Path | None, typer.Option(help="Write the HTML report here.")] = None,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Ramp toward N times the current peak with the host and databases sampled; report the
    first limit hit, the headroom and READY / NOT READY (exit 1 when not ready)."""
    from warden.capacity.readiness import (
        Budget,
        forecast_at,
        readiness_scenario,
        ready_json,
        stored_peak,
    )
    from warden.config._types import parse_duration
    from warden.errors import LoadTestError
    from warden.loadtest.compile import compile_plan
    from warden.loadtest.monitor import TargetMonitor, build_monitor
    from warden.loadtest.runner import LoadRunner

    try:
        factor = _factor(traffic)
    except ValueError as exc:
        fail(f"--traffic {traffic!r}: {exc}")
    try:
        hold = parse_duration(step_duration)
        budget_p95 = parse_duration(p95) * 1000
    except ValueError as exc:
        fail(str(exc))
    if not 1 <= hold <= 600:
        fail("--step-duration: between 1s and 10m")
    cfg = load(config) if (peak is None or config_path(config).exists()) else None
    now = time.time()
    store = None
    pairs: list[tuple[object, object]] = []
    if cfg is not None:
        from warden.capacity.report import forecasts
        from warden.tables import open_store

        store = open_store(cfg.store.url.get_secret_value())
    try:
        source = "--peak"
        if peak is None:
            found = stored_peak(store.engine, service, now) if store is not None else None
            if found is None:
                fail("no stored traffic or load test gives today's peak: pass --peak REQ_PER_S")
            peak, source = found
        if store is not None:
            pairs = list(forecasts(store.engine, cfg.capacity, now))  # type: ignore[union-attr]
    finally:
        if store is not None:
            store.close()
    budget = Budget(p95_ms=budget_p95, error_rate=error_rate / 100)
    try:
        scenario = readiness_scenario(
            target, path or ["/"], peak, factor, steps=steps, step_duration=hold,
            budget=budget, databases=database or [], allow_remote=allow_remote,
        )  # fmt: skip
        plan = compile_plan(scenario, workers=1)
    except (ValueError, LoadTestError) as exc:
        fail(str(exc))
    monitor, notes = build_monitor(plan.local, plan.databases, config_path(config))
    if not json_out:
        stdout().print(
            f"Ramping {target} to {factor:g}x the peak of {peak:g} req/s ({source}) in {steps} "
            f"levels of {hold:g}s; stops at the first broken budget."
        )
    result = LoadRunner(plan, monitor=monitor if monitor else TargetMonitor([]),
                        notes=notes).run()  # fmt: skip
    data = ready_json(scenario, result, peak, source, factor, budget,
                      forecast_at(pairs, factor, now))  # fmt: skip
    if html is not None:
        from warden.capacity.ready_html import write_ready_html

        write_ready_html(data, html)
    if json_out:
        write_json("ready", data)
    else:
        _print(data, html)
    if data["verdict"] != "READY":
        raise typer.Exit(1)


def _print(data: dict[str, object], html: Path | None) -> None:
    out = stdout()
    color = "green" if data["verdict"] == "READY" else "red"
    out.print(f"[bold {color}]{data['verdict']}[/] for {data['traffic']} "
              f"(headroom {data['headroom']}x)")  # fmt: skip
    for line in data["evidence"]:  # type: ignore[attr-defined]
        out.print(f"  {line}")
    for risk in data["forecasts_at_risk"]:  # type: ignore[attr-defined]
        out.print(f"  [yellow]{risk['resource']} would run out in "
                  f"{risk['days_to_full_at_' + str(data['traffic'])]} days[/]")  # fmt: skip
    if html is not None:
        out.print(f"HTML report: {html}")
