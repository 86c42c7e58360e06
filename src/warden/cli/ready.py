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
    """Are we ready for N times today's peak? A bounded ramp, judged READY or NOT READY.

    Reports the first limit hit, the headroom and the forecasts at risk; exits 1 when not
    ready.
    """
    from warden.capacity.readiness import Budget, ReadyRequest, run_readiness
    from warden.config._types import parse_duration
    from warden.errors import LoadTestError

    try:
        factor = _factor(traffic)
    except ValueError as exc:
        fail(f"--traffic {traffic!r}: {exc}")
    try:
        hold = parse_duration(step_duration)
        budget_p95 = parse_duration(p95) * 1000
    except ValueError as exc:
        fail(str(exc))
    cfg = load(config) if (peak is None or config_path(config).exists()) else None
    request = ReadyRequest(
        target, factor, peak, service, tuple(path or ["/"]), steps, hold,
        Budget(p95_ms=budget_p95, error_rate=error_rate / 100), tuple(database or []),
        allow_remote,
    )  # fmt: skip
    store = None
    if cfg is not None:
        from warden.tables import open_store

        store = open_store(cfg.store.url.get_secret_value())
    try:
        data = run_readiness(
            request, engine=store.engine if store is not None else None,
            capacity=cfg.capacity if cfg is not None else None, config_path=config_path(config),
            now=time.time(), announce=None if json_out else stdout().print,
        )  # fmt: skip
    except (ValueError, LoadTestError) as exc:
        fail(str(exc).replace("give the peak", "pass --peak"))
    finally:
        if store is not None:
            store.close()
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
