"""``warden deploy mark|judge|watch|list``: deploy markers, the canary judge and the watch that
rolls a bad deploy back by itself.

Exit codes: ``mark`` 0, or 1 with ``--fail-on-freeze`` during a freeze window; ``judge`` 0 on
pass, 1 on fail (and on marginal with ``--strict``); ``watch`` 0 when no breach, 1 when it
breached (rolled back or not); 2 bad input.
"""

from __future__ import annotations

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
    stderr,
    stdout,
    write_json,
)

app = typer.Typer(help="Deploy markers, the canary judge and the post-deploy watch.",
                  no_args_is_help=True)  # fmt: skip

ServiceArg = Annotated[str, typer.Argument(help="The service (a monitor label, group or name).")]
FreezeOption = Annotated[
    bool, typer.Option("--fail-on-freeze", help="Exit 1 when a deploy freeze window is open.")
]


def _duration(text: str, option: str) -> float:
    from warden.config._types import parse_duration

    try:
        return parse_duration(text)
    except ValueError as exc:
        fail(f"{option}: {exc}", EXIT_INPUT)


def _open(config: Any) -> tuple[Any, Any]:
    from warden.tables import open_store

    cfg = load(config)
    return cfg, open_store(cfg.store.url.get_secret_value())


def _who(author: str | None) -> str:
    import os

    return author or os.environ.get("USER") or "unknown"


def _freeze_note(frozen: list[dict[str, Any]], fail_on_freeze: bool) -> None:
    for f in frozen:
        until = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(f["until"])) if f["until"] else ""
        stderr().print(f"[yellow]deploy freeze[/] {f['name']} is open" + (f" until {until}"
                       if until else ""), markup=True)  # fmt: skip
    if frozen and fail_on_freeze:
        raise typer.Exit(EXIT_PROBLEM)


@app.command("mark")
@handle_errors
def mark(
    service: ServiceArg,
    version: Annotated[str, typer.Option("--version", "-v", help="What went out.")] = "",
    message: Annotated[str, typer.Option("--message", "-m", help="A note.")] = "",
    author: Annotated[str | None, typer.Option(help="Who (default: $USER).")] = None,
    fail_on_freeze: FreezeOption = False,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Record that SERVICE was deployed now (from CI: see docs/deploys.md)."""
    from warden.deploys.freeze import active_freezes
    from warden.deploys.markers import mark as record

    cfg, store = _open(config)
    now = time.time()
    try:
        frozen = active_freezes(cfg, service, now)
        try:
            got = record(store.engine, service, version, now, author=_who(author),
                         message=message)  # fmt: skip
        except ValueError as exc:
            fail(str(exc), EXIT_INPUT)
    finally:
        store.close()
    if json_out:
        write_json("deploy.mark", {"marker": got.json(), "freezes": frozen})
    else:
        stdout().print(f"marked {service} {version}".rstrip() + f" (#{got.id})")
    _freeze_note(frozen, fail_on_freeze)


@app.command("judge")
@handle_errors
def judge(
    baseline: Annotated[str, typer.Option(help="Baseline: KEY=VALUE[,...] or a monitor name.")],
    canary: Annotated[str, typer.Option(help="Canary: KEY=VALUE[,...] or a monitor name.")],
    for_: Annotated[
        str | None, typer.Option("--for", help="Watch this long from now, then judge (5m).")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Judge the past window instead, e.g. 10m.")
    ] = None,
    metric: Annotated[
        list[str] | None, typer.Option("--metric", help="A stored series to compare too.")
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Marginal exits 1.")] = False,
    service: Annotated[
        str | None, typer.Option(help="Report freeze windows of this service.")
    ] = None,
    fail_on_freeze: FreezeOption = False,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Compare a canary with its baseline (Mann-Whitney U); pass, marginal or fail."""
    from warden.deploys.freeze import active_freezes
    from warden.deploys.judge import JudgeOptions
    from warden.deploys.judge import judge as run
    from warden.deploys.signals import parse_selector

    if (for_ is None) == (since is None):
        fail("give --for (watch from now) or --since (a past window)", EXIT_INPUT)
    try:
        base, can = parse_selector(baseline), parse_selector(canary)
    except ValueError as exc:
        fail(str(exc), EXIT_INPUT)
    cfg, store = _open(config)
    try:
        start = time.time()
        if for_ is not None:
            span = _duration(for_, "--for")
            _wait(span, "judging the canary")
            until = start + span
        else:
            until, start = start, start - _duration(since or "", "--since")
        opts = JudgeOptions(error_rate=cfg.deploys.error_rate)
        data = run(store, cfg, base, can, start, until + 1, metrics=metric or [], options=opts)
        data["freezes"] = active_freezes(cfg, service, time.time()) if service else []
    finally:
        store.close()
    if json_out:
        write_json("deploy.judge", data)
    else:
        _print_judge(data)
    _freeze_note(data["freezes"], fail_on_freeze)
    if data["verdict"] == "fail" or (strict and data["verdict"] == "marginal"):
        raise typer.Exit(EXIT_PROBLEM)


def _wait(seconds: float, what: str) -> None:
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TimeRemainingColumn(),
                  console=stderr(), transient=True) as bar:  # fmt: skip
        task = bar.add_task(what, total=seconds)
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            time.sleep(min(1.0, left))
            bar.update(task, completed=seconds - max(0.0, end - time.monotonic()))


def _print_judge(data: dict[str, Any]) -> None:
    from rich.table import Table

    out = stdout()
    colour = {"pass": "green", "marginal": "yellow", "fail": "red"}[data["verdict"]]
    score = "-" if data["score"] is None else f"{data['score']:.0f}"
    out.print(f"[bold {colour}]{data['verdict'].upper()}[/] score {score}")
    table = Table("Metric", "Baseline median", "Canary median", "p", "Result")
    for r in data["metrics"]:
        p = "-" if r["p_value"] is None else f"{r['p_value']:.3g}"
        base, can = _num(r["baseline"]["median"]), _num(r["canary"]["median"])
        table.add_row(r["metric"], base, can, p, r["result"])
    out.print(table)
    for side in ("baseline", "canary"):
        e = data["error_rate"][side]
        rate = "-" if e["rate"] is None else f"{e['rate']:.2%}"
        out.print(f"{side}: {rate} failing ({e['basis']}; {len(e['monitors'])} monitors)")
    for reason in data["reasons"]:
        out.print(f"- {reason}")


def _num(v: float | None) -> str:
    return "-" if v is None else f"{v:.4g}"


@app.command("watch")
@handle_errors
def watch(
    service: ServiceArg,
    rollback: Annotated[
        list[str] | None,
        typer.Argument(
            help="After --: the rollback command and its arguments.", show_default=False
        ),
    ] = None,
    duration: Annotated[
        str | None, typer.Option("--for", help="How long after the marker (deploys.watch).")
    ] = None,
    rule: Annotated[
        list[str] | None, typer.Option("--rule", help="An alert rule whose firing is a breach.")
    ] = None,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Watch SERVICE after its latest marker; on a breach run the rollback command.

    Example: warden deploy watch shop -- ./deploy.sh rollback
    """
    from warden.deploys.watch import watch_deploy

    span = _duration(duration, "--for") if duration else None
    cfg, store = _open(config)
    err = stderr()

    def progress(t: float, share: dict[str, Any]) -> None:
        rate = "-" if share["rate"] is None else f"{share['rate']:.2%}"
        err.print(f"  {time.strftime('%H:%M:%S', time.gmtime(t))} {service}: {rate} failing "
                  f"({share['basis']})", highlight=False)  # fmt: skip

    try:
        try:
            data = watch_deploy(
                store,
                cfg,
                service,
                rollback=rollback or None,
                duration=span,
                rules=rule or [],
                progress=None if json_out else progress,
            )
        except ValueError as exc:
            fail(str(exc), EXIT_INPUT)
    finally:
        store.close()
    if json_out:
        write_json("deploy.watch", data)
    elif data["breached"]:
        err.print(f"[bold red]breach[/]: {data['breach']['reason']}", markup=True)
        rb = data["rollback"]
        if rb["ran"]:
            state = "done" if rb["ok"] else f"FAILED (exit {rb['exit_code']})"
            err.print(f"rollback {state} in {rb['seconds']:.1f} s", markup=False)
    else:
        stdout().print(f"{service}: no breach in the watch window")
    for problem in data["errors"]:
        err.print(f"[yellow]warning:[/] {problem}", markup=True)
    if data["breached"]:
        raise typer.Exit(EXIT_PROBLEM)


@app.command("list")
@handle_errors
def list_markers(
    since: Annotated[str, typer.Option(help="From this long ago.")] = "7d",
    service: Annotated[str | None, typer.Option(help="Only this service.")] = None,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Deploy and rollback markers, oldest first."""
    from warden.deploys.markers import markers

    span = _duration(since, "--since")
    _cfg, store = _open(config)
    now = time.time()
    try:
        got = markers(store.engine, now - span, now + 1, service)
    finally:
        store.close()
    if json_out:
        write_json("deploys", {"markers": [m.json() for m in got]})
        return
    from rich.table import Table

    table = Table("When", "Service", "Version", "Kind", "By", "Message")
    for m in got:
        table.add_row(time.strftime("%Y-%m-%d %H:%M", time.gmtime(m.at)), m.service, m.version,
                      m.kind, m.author, m.message)  # fmt: skip
    stdout().print(table if got else "no deploy markers")
