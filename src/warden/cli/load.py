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
from urllib.parse import urlsplit, urlunsplit

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

if TYPE_CHECKING:
    from warden.loadtest.results import RunResult
    from warden.loadtest.scenario import Scenario

app = typer.Typer(
    help="Load tests: open or closed model, presets, thresholds, HTML reports.",
    no_args_is_help=True,
)

PRESET_HELP = {
    "baseline": "Normal traffic: a short warm-up, then the normal level (default 1m).",
    "stress": "Step up past normal (1x to --peak, default 4x) until thresholds break (5m).",
    "spike": "A sudden surge to --peak (default 5x) and the recovery after it (2m).",
    "soak": "A long steady run at the normal level, watching for drift and leaks (1h).",
    "breakpoint": "Ramp from 0 to --peak (default 10x) and report the last level that met the "
    "thresholds (10m).",
}

Rate = Annotated[
    float | None, typer.Option("--rate", "-r", help="Open model: normal rate in requests/s.")
]
Vus = Annotated[
    int | None, typer.Option("--vus", "-u", help="Closed model: normal number of virtual users.")
]
DurationOpt = Annotated[
    str | None, typer.Option("--duration", "-d", help="Run length: 30s, 5m, 1h.")
]
Peak = Annotated[float | None, typer.Option(help="Preset peak as a multiple of normal.")]
Think = Annotated[str | None, typer.Option("--think", help="Closed model: think time (e.g. 1s).")]
Method = Annotated[str | None, typer.Option("--method", "-X", help="HTTP method.")]
Headers = Annotated[
    list[str] | None, typer.Option("--header", "-H", help="'Name: value', repeatable.")
]
Body = Annotated[str | None, typer.Option("--body", help="Request body.")]
MaxRequests = Annotated[int | None, typer.Option(help="Stop after this many requests.")]
Timeout = Annotated[str | None, typer.Option(help="Per-request timeout (default 10s).")]
Connections = Annotated[int | None, typer.Option(help="Open model: most connections (512).")]
Workers = Annotated[int | None, typer.Option(help="Worker processes (default: one per core).")]
Thresholds = Annotated[
    list[str] | None,
    typer.Option("--threshold", "-t", help="e.g. 'p95 < 200ms', repeatable."),
]
AbortOnFail = Annotated[
    bool, typer.Option(help="Stop the run as soon as a threshold fails over the window.")
]
Window = Annotated[str | None, typer.Option(help="Sliding window for thresholds (10s).")]
AllowRemote = Annotated[
    bool, typer.Option(help="Allow a target that is not loopback (only one you may test).")
]
Insecure = Annotated[bool, typer.Option(help="Do not verify the target's TLS certificate.")]
Html = Annotated[Path | None, typer.Option(help="Write an HTML report to this file.")]
Save = Annotated[bool, typer.Option(help="Save the result in the Warden store (config).")]
Monitor = Annotated[bool, typer.Option(help="Sample the target's resources during the run.")]
Databases = Annotated[
    list[str] | None,
    typer.Option("--database", help="Collector of warden.yaml to sample, repeatable."),
]
Name = Annotated[str | None, typer.Option(help="Name of the test in reports.")]


def _overrides(**options: Any) -> dict[str, Any]:
    """Scenario keys given on the command line (None means not given)."""
    out: dict[str, Any] = {}
    mapping = {
        "rate": "rate",
        "vus": "vus",
        "duration": "duration",
        "peak": "peak",
        "think": "think_time",
        "max_requests": "max_requests",
        "timeout": "timeout",
        "connections": "connections",
        "workers": "workers",
        "window": "window",
        "name": "name",
    }
    for option, key in mapping.items():
        if options.get(option) is not None:
            out[key] = options[option]
    if options.get("vus") is not None:
        out["model"] = "closed"
        out.pop("rate", None)
    elif options.get("rate") is not None:
        out["model"] = "open"
    if options.get("allow_remote"):
        out["allow_remote"] = True
    if options.get("insecure"):
        out["tls_verify"] = False
    return out


def _url_scenario(
    url: str, method: str | None, headers: list[str], body: str | None
) -> dict[str, Any]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        fail(f"{url!r} is not an http:// or https:// URL (or a scenario file that exists)")
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    header_map: dict[str, str] = {}
    for h in headers:
        key, sep, value = h.partition(":")
        if not sep or not key.strip():
            fail(f"--header {h!r}: write it as 'Name: value'")
        header_map[key.strip()] = value.strip()
    request: dict[str, Any] = {"path": path, "headers": header_map}
    if method:
        request["method"] = method
    if body is not None:
        request["body"] = body
    return {
        "name": url,
        "target": urlunsplit((parts.scheme, parts.netloc, "", "", "")),
        "requests": [request],
    }


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
        base = _url_scenario(
            source, options.get("method"), options.get("header") or [], options.get("body")
        )
        base_dir = Path.cwd()
    over = _overrides(**options)
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
    from warden.loadtest.runner import LoadRunner

    scenario, base_dir = _build(source, preset, thresholds or [], abort_on_fail, **options)
    try:
        plan = compile_plan(scenario, base_dir)
    except LoadTestError as exc:
        fail(str(exc), EXIT_INPUT)
    err = stderr()
    err.print(describe(plan), markup=False, highlight=False, soft_wrap=True)
    notes: list[str] = []
    target_monitor = TargetMonitor([])
    if monitor:
        target_monitor, notes = build_monitor(plan.local, plan.databases, config_path(config))
    live = err.is_terminal and not json_out
    try:
        if live:
            from warden.loadtest.progress import LiveView

            with LiveView(err) as view:
                result = LoadRunner(plan, view.update, target_monitor, notes).run()
        else:
            result = LoadRunner(plan, None, target_monitor, notes).run()
    except LoadTestError as exc:
        fail(str(exc), EXIT_INTERNAL)
    except KeyboardInterrupt:
        fail("interrupted before the workers reported", 130)
    _report(result, json_out=json_out, html=html, save=save, config=config)
    raise typer.Exit(int(result.exit_code))


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
        workers: Workers = None,
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
            workers=workers,
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
