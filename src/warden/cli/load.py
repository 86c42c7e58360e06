"""``warden load``: load tests from a scenario file or a single URL, with presets.

``warden load run scenario.yaml`` runs a scenario; ``warden load stress URL --rate 500`` (and
``baseline``, ``spike``, ``soak``, ``breakpoint``) runs a preset against one URL or applies the
preset to a scenario file. Exit codes: 0 passed, 1 a threshold failed (or aborted the run),
2 bad input (including a remote target without ``--allow-remote``), 3 the store could not be
written, 4 Warden failed, 130 interrupted. See docs/loadtest.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from warden.cli._common import (
    EXIT_INPUT,
    EXIT_INTERNAL,
    ConfigOption,
    JsonOption,
    config_path,
    fail,
    handle_errors,
    stderr,
    stdout,
    write_json,
)
from warden.cli._load_options import (
    PRESET_HELP,
    AbortOnFail,
    AllowRemote,
    Body,
    Connections,
    Databases,
    DurationOpt,
    Headers,
    Html,
    Insecure,
    MaxRequests,
    Method,
    Monitor,
    Name,
    Peak,
    Processes,
    Rate,
    Save,
    Think,
    Thresholds,
    Timeout,
    TokenFile,
    Vus,
    Window,
    Workers,
    overrides,
    url_scenario,
)

if TYPE_CHECKING:
    from warden.loadtest.results import RunResult
    from warden.loadtest.scenario import Scenario

app = typer.Typer(
    help="Load tests: open or closed model, presets, thresholds, HTML reports.",
    no_args_is_help=True,
)


def _build(
    source: str, preset: str | None, thresholds: list[str], abort: bool, **options: Any
) -> tuple[Scenario, Path]:
    """The scenario from a file or a URL, with the command line's overrides applied."""
    from pydantic import ValidationError

    from warden.errors import ConfigError, ConfigIssue
    from warden.loadtest.scenario import Scenario, load_scenario

    path = Path(source)
    is_file = "://" not in source and (path.suffix in (".yaml", ".yml") or path.is_file())
    if is_file:
        base = load_scenario(path).model_dump(by_alias=True, exclude_unset=True)
        base_dir = path.resolve().parent
        if options.get("method") or options.get("header") or options.get("body") is not None:
            fail("--method, --header and --body apply to a URL; a scenario sets them per request")
    else:
        base = url_scenario(
            source, options.get("method"), options.get("header") or [], options.get("body")
        )
        base_dir = Path.cwd()
    over = overrides(**options)
    if over.get("model") == "closed":
        base.pop("rate", None)
    if over.get("model") == "open":
        base.pop("vus", None)
    data = {**base, **over}
    if preset is not None:
        data["preset"] = preset
        data.pop("stages", None)
    listed = [t if isinstance(t, dict) else {"expr": t} for t in data.get("thresholds", [])]
    listed += [{"expr": t} for t in thresholds]
    if abort:
        listed = [{**t, "abort": True} for t in listed]
    data["thresholds"] = listed
    if options.get("databases"):
        data["databases"] = [*data.get("databases", []), *options["databases"]]
    from_file = len(listed) - len(thresholds)
    try:
        return Scenario.model_validate(data), base_dir
    except ValidationError as exc:
        issues = []
        for err in exc.errors(include_url=False):
            loc = [p for p in err["loc"] if not str(p)[:1].isupper()]
            where = "command line" if not is_file else source
            if loc[:1] == ["thresholds"] and len(loc) > 1 and int(loc[1]) >= from_file:
                where, loc = "command line", ["-t"]
            message = str(err["msg"]).removeprefix("Value error, ")
            issues.append(ConfigIssue(where, None, ".".join(str(p) for p in loc), message))
        raise ConfigError(issues) from None


def _execute(
    source: str,
    preset: str | None,
    *,
    thresholds: list[str] | None,
    abort_on_fail: bool,
    json_out: bool,
    html: Path | None,
    save: bool,
    monitor: bool,
    config: Path | None,
    **options: Any,
) -> None:
    from warden.errors import LoadTestError
    from warden.loadtest.compile import compile_plan, describe
    from warden.loadtest.monitor import TargetMonitor, build_monitor
    from warden.loadtest.remote import RemoteFleet, split_workers
    from warden.loadtest.runner import LoadRunner

    token_file = options.pop("token_file", None)
    options["workers"], processes = split_workers(options.get("workers"), options.get("processes"))
    options["processes"] = processes
    scenario, base_dir = _build(source, preset, thresholds or [], abort_on_fail, **options)
    try:
        plan = compile_plan(scenario, base_dir, workers=1 if scenario.workers else None)
    except LoadTestError as exc:
        fail(str(exc), EXIT_INPUT)
    fleets: list[RemoteFleet] | None = None
    if scenario.workers:
        plan, fleets = _distributed(scenario, base_dir, token_file, processes)
    err = stderr()
    err.print(describe(plan, fleets), markup=False, highlight=False, soft_wrap=True)
    notes: list[str] = []
    target_monitor = TargetMonitor([])
    if monitor:
        target_monitor, notes = build_monitor(plan.local, plan.databases, config_path(config))
    live = err.is_terminal and not json_out
    try:
        if live:
            from warden.loadtest.progress import LiveView

            with LiveView(err) as view:
                result = LoadRunner(plan, view.update, target_monitor, notes, fleets).run()
        else:
            result = LoadRunner(plan, None, target_monitor, notes, fleets).run()
    except LoadTestError as exc:
        fail(str(exc), EXIT_INTERNAL)
    except KeyboardInterrupt:
        fail("interrupted before the workers reported", 130)
    _report(result, json_out=json_out, html=html, save=save, config=config)
    raise typer.Exit(int(result.exit_code))


def _distributed(
    scenario: Scenario, base_dir: Path, token_file: Path | None, processes: int | None
) -> tuple[Any, list[Any]]:
    """Connect to the scenario's workers and send each its share of the plan."""
    from warden.errors import LoadTestError
    from warden.loadtest.remote import connect_workers, distribute
    from warden.loadtest.wire import read_token

    try:
        token = read_token(token_file)
    except LoadTestError as exc:
        fail(str(exc), EXIT_INPUT)
    assert scenario.workers is not None
    fleets = connect_workers(scenario.workers, token, processes)
    try:
        return distribute(fleets, scenario, base_dir)
    except LoadTestError as exc:
        for fleet in fleets:
            fleet.close()
        fail(str(exc), EXIT_INPUT)


def _report(
    result: RunResult, *, json_out: bool, html: Path | None, save: bool, config: Path | None
) -> None:
    if html is not None:
        from warden.loadtest.htmlreport import write_html

        try:
            write_html(result, html)
        except OSError as exc:
            fail(f"cannot write {html}: {exc.strerror}", EXIT_INTERNAL)
        stderr().print(f"HTML report: {html}", markup=False, highlight=False, soft_wrap=True)
    if save:
        _save(result, config)
    if json_out:
        write_json("load", result.to_payload())
    else:
        from warden.loadtest.summary import print_summary

        print_summary(result, stdout())


def _save(result: RunResult, config: Path | None) -> None:
    from warden.config.loader import load_config
    from warden.loadtest.storage import save_result
    from warden.store.sql import SqlStore

    cfg = load_config(config_path(config))
    store = SqlStore.open(cfg.store.url.get_secret_value())
    try:
        run_id = save_result(store.engine, result)
    finally:
        store.close()
    stderr().print(
        f"saved as load test run {run_id} in {cfg.store.url.display()}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def _load_command(preset: str | None) -> Any:
    """One command per preset, and ``run`` (preset None: the scenario's own stages)."""

    def command(
        target: Annotated[str, typer.Argument(help="URL, or a scenario file (YAML).")],
        rate: Rate = None,
        vus: Vus = None,
        duration: DurationOpt = None,
        peak: Peak = None,
        think: Think = None,
        method: Method = None,
        header: Headers = None,
        body: Body = None,
        max_requests: MaxRequests = None,
        timeout: Timeout = None,
        connections: Connections = None,
        processes: Processes = None,
        workers: Workers = None,
        token_file: TokenFile = None,
        threshold: Thresholds = None,
        abort_on_fail: AbortOnFail = False,
        window: Window = None,
        allow_remote: AllowRemote = False,
        insecure: Insecure = False,
        database: Databases = None,
        name: Name = None,
        html: Html = None,
        save: Save = False,
        monitor: Monitor = True,
        config: ConfigOption = None,
        json_out: JsonOption = False,
    ) -> None:
        _execute(
            target,
            preset,
            thresholds=threshold,
            abort_on_fail=abort_on_fail,
            json_out=json_out,
            html=html,
            save=save,
            monitor=monitor,
            config=config,
            rate=rate,
            vus=vus,
            duration=duration,
            peak=peak,
            think=think,
            method=method,
            header=header,
            body=body,
            max_requests=max_requests,
            timeout=timeout,
            connections=connections,
            processes=processes,
            workers=workers,
            token_file=token_file,
            window=window,
            allow_remote=allow_remote,
            insecure=insecure,
            databases=database,
            name=name,
        )

    command.__doc__ = PRESET_HELP[preset] if preset else RUN_HELP
    command.__name__ = preset or "run"
    return handle_errors(command)


RUN_HELP = "Run a scenario file (its own stages or preset), or a constant load against one URL."
app.command("run", help=RUN_HELP)(_load_command(None))
for _preset, _help in PRESET_HELP.items():
    app.command(_preset, help=_help)(_load_command(_preset))


@app.command("worker")
@handle_errors
def worker(
    listen: Annotated[
        str, typer.Option(help="host:port to listen on for a controller.")
    ] = "127.0.0.1:7700",
    token_file: TokenFile = None,
    processes: Annotated[
        int | None, typer.Option(help="Worker processes (default: one per core).")
    ] = None,
    once: Annotated[bool, typer.Option(help="Exit after serving one controller.")] = False,
) -> None:
    """Generate load for a controller (`warden load run --workers`), sharing its token."""
    from warden.loadtest.serve import run_worker
    from warden.loadtest.wire import read_token

    run_worker(listen, read_token(token_file), processes, 1 if once else None)


@app.command("history")
@handle_errors
def history(
    name: Annotated[str | None, typer.Option(help="Only runs with this name.")] = None,
    limit: Annotated[int, typer.Option(help="How many runs.")] = 20,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """List the load test runs saved in the store (newest first)."""
    from rich.table import Table

    from warden.config.loader import load_config
    from warden.loadtest.storage import list_runs
    from warden.store.sql import SqlStore

    cfg = load_config(config_path(config))
    store = SqlStore.open(cfg.store.url.get_secret_value())
    try:
        runs = list_runs(store.engine, name, limit)
    finally:
        store.close()
    if json_out:
        write_json("load-history", {"runs": runs})
        return
    table = Table()
    for col in ("id", "name", "preset", "requests", "rps", "p95 ms", "error rate", "passed"):
        table.add_column(col)
    for r in runs:
        table.add_row(
            str(r["id"]),
            r["name"],
            r["preset"] or "-",
            f"{r['requests']:,}",
            f"{r['rps']:,.1f}",
            "-" if r["p95_ms"] is None else f"{r['p95_ms']:.2f}",
            f"{r['error_rate'] * 100:.3f}%",
            "yes" if r["passed"] else "no",
        )
    stdout().print(table)
