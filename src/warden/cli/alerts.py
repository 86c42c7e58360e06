"""``warden alerts list|log|slo|export-rules`` and ``warden silence add|list|expire``.

They read and write the store named in the config, so they work while ``warden up`` runs
(the running evaluator picks up new and expired silences at its next round).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from warden.cli._common import (
    EXIT_INPUT,
    ConfigOption,
    JsonOption,
    fail,
    handle_errors,
    load,
    stdout,
    write_json,
)

app = typer.Typer(help="Alerts, the notification log and SLOs.", no_args_is_help=True)
silence_app = typer.Typer(help="Silence alerts by label matchers.", no_args_is_help=True)


def _open(config: Path | None) -> tuple[Any, Any]:
    from warden.tables import open_store

    cfg = load(config)
    return cfg, open_store(cfg.store.url.get_secret_value())


SinceOption = Annotated[
    str | None,
    typer.Option(help="From this time: a duration back from now (2h, 7d) or an ISO time."),
]
UntilOption = Annotated[
    str | None, typer.Option(help="Until this time: a duration back from now or an ISO time.")
]


def period_of(since: str | None, until: str | None) -> tuple[float, float] | None:
    """The --since/--until period, None when neither is given; bad input exits 2."""
    if since is None and until is None:
        return None
    from warden.alerting.period import parse_period

    try:
        return parse_period(since, until, time.time())
    except ValueError as exc:
        fail(f"--{exc}", EXIT_INPUT)


def _when(ts: float | None) -> str:
    from warden.incidents.postmortem import when

    return when(ts)


@app.command("list")
@handle_errors
def list_alerts(
    all_: Annotated[bool, typer.Option("--all", help="Include resolved alerts.")] = False,
    since: SinceOption = None,
    until: UntilOption = None,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Pending and firing alerts (with --all, resolved ones too), and why any is muted.

    With --since/--until: the alerts active at some time in that period, resolved or not."""
    from warden.alerting.model import AlertState
    from warden.alerting.muting import Muting
    from warden.alerting.period import alert_in
    from warden.alerting.storage import AlertRepository
    from warden.cli._table import Col, table

    period = period_of(since, until)
    cfg, store = _open(config)
    try:
        repo = AlertRepository(store.engine)
        states = [AlertState.PENDING, AlertState.FIRING]
        if all_ or period is not None:
            states.append(AlertState.RESOLVED)
        every = repo.alerts(states)
        muting = Muting.build(repo.silences(), cfg.maintenance, cfg.inhibit_rules)
    finally:
        store.close()
    reasons = muting.reasons(every, time.time())
    alerts = every if period is None else [a for a in every if alert_in(a, *period)]
    rows = [(a, reasons.get(a.fingerprint)) for a in alerts]
    if json_out:
        from warden.alerting.views import alert_json

        write_json("alerts", {"alerts": [alert_json(a, reason) for a, reason in rows]})
        return
    cells = []
    for a, reason in rows:
        labels = ", ".join(
            f"{k}={v}" for k, v in sorted(a.labels.items()) if k not in ("alertname", "severity")
        )
        began = a.starts_at if a.state is AlertState.FIRING else a.active_since
        state = "muted" if reason else a.state.value
        cells.append([a.name, state, a.severity, labels, _when(began), reason or ""])
    cols: list[Col | str] = [
        "Alert",
        Col("State", whole=True),
        "Severity",
        Col("Labels", wrap=True),
        "Since",
    ]
    shown = table([*cols, Col("Muted because", wrap=True)], cells)
    stdout().print(shown if alerts else "no alerts")


@app.command("log")
@handle_errors
def delivery_log(
    limit: Annotated[int, typer.Option(help="Rows to show, newest first.")] = 50,
    receiver: Annotated[str | None, typer.Option(help="Only this receiver.")] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """The notification delivery log: queued, sent and failed notifications."""
    period = period_of(since, until)
    from warden.cli._table import Col, table
    from warden.notify.outbox import Outbox

    _, store = _open(config)
    try:
        lo, hi = period if period is not None else (None, None)
        entries = Outbox(store.engine).log(limit, receiver, lo, hi)
    finally:
        store.close()
    if json_out:
        keys = ("id", "dedup_key", "group_key", "receiver", "channel", "status", "state")
        more = ("attempts", "next_attempt", "last_error", "created_at", "sent_at")
        write_json(
            "notifications",
            {"notifications": [{k: getattr(e, k) for k in keys + more} for e in entries]},
        )
        return
    cols: list[Col | str] = [
        "Queued",
        "Receiver",
        "Channel",
        "Status",
        "State",
        Col("Attempts", right=True),
    ]
    cells = [
        [
            _when(e.created_at),
            e.receiver,
            e.channel,
            e.status,
            e.state,
            str(e.attempts),
            e.last_error or "",
        ]
        for e in entries
    ]
    shown = table([*cols, Col("Last error", wrap=True)], cells)
    stdout().print(shown if entries else "no notifications yet")


@app.command("slo")
@handle_errors
def slo(config: ConfigOption = None, json_out: JsonOption = False) -> None:
    """Each SLO's SLI, error budget remaining and burn rates, from the stored results."""
    from rich.table import Table

    from warden.alerting.slo import slo_json, slo_status

    cfg, store = _open(config)
    try:
        now = time.time()
        statuses = [slo_status(store, s, cfg.monitors, now) for s in cfg.slos]
    finally:
        store.close()
    if json_out:
        write_json("slos", {"slos": [slo_json(st) for st in statuses]})
        return
    table = Table(
        "SLO", "Objective", "SLI", "Budget left", "Burn 1h", "Burn 6h", "Burn 3d", "Alert"
    )
    for st in statuses:
        alert = "page" if st.page else "ticket" if st.ticket else ""
        table.add_row(
            st.name,
            f"{st.objective:g}%",
            "-" if st.sli is None else f"{st.sli:.3f}%",
            "-" if st.budget_remaining is None else f"{100 * st.budget_remaining:.1f}%",
            *(_rate(st.burn_rates.get(w)) for w in ("1h", "6h", "3d")),
            alert,
        )
    stdout().print(table if statuses else "no slos: configured in warden.yaml")


def _rate(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}x"


@app.command("export-rules")
@handle_errors
def export_rules(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the rule file here instead of stdout."),
    ] = None,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """The alert rules as a Prometheus rule file over Warden's /metrics series.

    Rules without a faithful PromQL equivalent are listed on stderr (``skipped`` with --json).
    """
    from warden.alerting.prometheus_rules import export_rules as translate_all

    got = translate_all(load(config))
    text = got.yaml()
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            fail(f"--output: cannot write {output}: {exc.strerror}", EXIT_INPUT)
    skipped = [{"rule": s.rule, "reason": s.reason} for s in got.skipped]
    if json_out:
        doc = got.document()
        write_json(
            "prometheus_rules",
            {"file": str(output) if output else None, **doc, "skipped": skipped},
        )
        return
    if output is None:
        typer.echo(text, nl=False)
    else:
        typer.echo(f"{len(got.rules)} rules written to {output}", err=True)
    for s in got.skipped:
        typer.echo(f"skipped {s.rule}: {s.reason}", err=True)


@silence_app.command("add")
@handle_errors
def silence_add(
    matchers: Annotated[list[str], typer.Argument(help='Label matchers: monitor="api" ...')],
    comment: Annotated[str, typer.Option("--comment", "-m", help="Why (required).")],
    duration: Annotated[str, typer.Option(help="How long, from now (e.g. 2h).")] = "1h",
    author: Annotated[str | None, typer.Option(help="Who (default: $USER).")] = None,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Silence alerts matching every matcher, from now for --duration."""
    from warden.alerting.storage import AlertRepository
    from warden.config._types import parse_duration

    try:
        seconds = parse_duration(duration)
    except ValueError as exc:
        fail(f"--duration: {exc}", EXIT_INPUT)
    who = author or os.environ.get("USER") or "unknown"
    _, store = _open(config)
    now = time.time()
    try:
        sil = AlertRepository(store.engine).add_silence(
            matchers, now, now + seconds, who, comment, now
        )
    except ValueError as exc:
        fail(str(exc), EXIT_INPUT)
    finally:
        store.close()
    if json_out:
        from warden.alerting.views import silence_json

        write_json("silence", {"silence": silence_json(sil, now)})
        return
    stdout().print(f"silence {sil.id} until {_when(sil.ends_at)}")


@silence_app.command("list")
@handle_errors
def silence_list(
    all_: Annotated[bool, typer.Option("--all", help="Include expired silences.")] = False,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Active (and with --all, expired) silences."""
    from rich.table import Table

    from warden.alerting.storage import AlertRepository

    _, store = _open(config)
    try:
        silences = AlertRepository(store.engine).silences()
    finally:
        store.close()
    now = time.time()
    shown = [s for s in silences if all_ or s.ends_at > now]
    if json_out:
        from warden.alerting.views import silence_json

        write_json(
            "silences",
            {"silences": [silence_json(s, now) for s in shown]},
        )
        return
    table = Table("ID", "Matchers", "Until", "By", "Comment")
    for s in shown:
        table.add_row(
            s.id[:8],
            " ".join(str(m) for m in s.matchers),
            _when(s.ends_at),
            s.created_by,
            s.comment,
        )
    stdout().print(table if shown else "no silences")


@silence_app.command("expire")
@handle_errors
def silence_expire(
    silence_id: Annotated[str, typer.Argument(help="Silence id (or a unique prefix).")],
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """End a silence now."""
    from warden.alerting.storage import AlertRepository

    _, store = _open(config)
    try:
        done = AlertRepository(store.engine).expire_silence(silence_id, time.time())
    finally:
        store.close()
    if not done:
        fail(f"no silence with id {silence_id!r} (see `warden silence list --all`)", EXIT_INPUT)
    if json_out:
        write_json("silence_expire", {"id": silence_id, "expired": True})
        return
    stdout().print(f"silence {silence_id} expired")
