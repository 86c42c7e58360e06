"""``warden incident list|show|declare|ack|note|status|resolve|postmortem``.

Incidents are opened by ``warden up`` when a critical or high alert fires, or declared by a
person (``declare``, the API, the dashboard); these commands follow them through detected →
assessed → communicated → mitigated → resolved → reviewed.
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
from warden.cli.alerts import SinceOption, UntilOption
from warden.cli.alerts import period_of as cli_period

app = typer.Typer(help="Incidents: lifecycle, timeline and postmortems.", no_args_is_help=True)

IdArg = Annotated[int, typer.Argument(help="Incident number (see `warden incident list`).")]
AuthorOption = Annotated[str | None, typer.Option(help="Who (default: $USER).")]


def _open(config: Path | None) -> tuple[Any, Any, Any]:
    from warden.incidents.storage import IncidentRepository
    from warden.tables import open_store

    cfg = load(config)
    store = open_store(cfg.store.url.get_secret_value())
    return cfg, store, IncidentRepository(store.engine)


def _who(author: str | None) -> str:
    return author or os.environ.get("USER") or "unknown"


def _incident_json(i: Any) -> dict[str, Any]:
    from warden.incidents.views import incident_json

    return incident_json(i)


def _get(repo: Any, incident_id: int) -> Any:
    incident = repo.get(incident_id)
    if incident is None:
        fail(f"no incident #{incident_id} (see `warden incident list`)", EXIT_INPUT)
    return incident


@app.command("list")
@handle_errors
def list_incidents(
    all_: Annotated[bool, typer.Option("--all", help="Include resolved and reviewed.")] = False,
    since: SinceOption = None,
    until: UntilOption = None,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Open incidents (with --all, every incident), newest first.

    With --since/--until: the incidents open at some time in that period, resolved or not."""
    from warden.cli._table import Col, table
    from warden.incidents.model import OPEN_STATUSES
    from warden.incidents.postmortem import when

    period = cli_period(since, until)
    lo, hi = period if period is not None else (None, None)
    _, store, repo = _open(config)
    try:
        every = all_ or period is not None
        incidents = repo.list_incidents(None if every else list(OPEN_STATUSES), since=lo, until=hi)
    finally:
        store.close()
    if json_out:
        write_json("incidents", {"incidents": [_incident_json(i) for i in incidents]})
        return
    cells = [
        [str(i.id), i.status, i.severity, i.title, when(i.opened_at), i.acked_by or ""]
        for i in incidents
    ]
    cols: list[Col | str] = [
        "#",
        "Status",
        "Severity",
        Col("Title", wrap=True),
        "Opened",
        "Acked by",
    ]
    stdout().print(table(cols, cells) if incidents else "no incidents")


@app.command("show")
@handle_errors
def show(incident_id: IdArg, config: ConfigOption = None, json_out: JsonOption = False) -> None:
    """One incident with its alerts and timeline."""
    from rich.table import Table

    from warden.deploys.markers import with_deploys
    from warden.incidents.postmortem import when
    from warden.incidents.views import detail_json

    _, store, repo = _open(config)
    try:
        incident = _get(repo, incident_id)
        timeline = repo.timeline(incident_id)
        alerts = repo.alerts(incident_id)
        detail = with_deploys(store.engine, detail_json(incident, alerts, timeline), time.time())
    finally:
        store.close()
    if json_out:
        write_json("incident", detail or {})
        return
    out = stdout()
    out.print(f"[bold]#{incident.id} {incident.title}[/]", markup=True)
    out.print(f"{incident.status}, {incident.severity}, opened {when(incident.opened_at)}")
    table = Table("Time", "Kind", "Who", "What")
    for e in timeline:
        table.add_row(when(e.at), e.kind, e.author, e.text)
    out.print(table)


@app.command("ack")
@handle_errors
def ack(
    incident_id: IdArg,
    author: AuthorOption = None,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Acknowledge: you are on it (a detected incident moves to assessed)."""
    _, store, repo = _open(config)
    try:
        _get(repo, incident_id)
        try:
            incident = repo.ack(incident_id, _who(author), time.time())
        except ValueError as exc:
            fail(f"incident #{incident_id}: {exc}", EXIT_INPUT)
    finally:
        store.close()
    _done(incident, json_out, f"incident #{incident.id} acknowledged ({incident.status})")


@app.command("declare")
@handle_errors
def declare(
    title: Annotated[str, typer.Argument(help="What is wrong, in a few words.")],
    severity: Annotated[str, typer.Option(help="critical, high, medium or low.")] = "high",
    monitor: Annotated[
        list[str] | None,
        typer.Option("--monitor", "-M", help="An affected monitor (repeat for several)."),
    ] = None,
    message: Annotated[str, typer.Option("--message", "-m", help="A first note.")] = "",
    author: AuthorOption = None,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Open an incident by hand, e.g. for a problem users reported before any alert fired."""
    from warden.alerting.config import SEVERITIES

    if severity not in SEVERITIES:
        fail(f"--severity {severity!r} is not one of {', '.join(SEVERITIES)}", EXIT_INPUT)
    if not title.strip() or len(title) > 200:
        fail("the title must be 1 to 200 characters", EXIT_INPUT)
    cfg, store, repo = _open(config)
    known = {m.name for m in cfg.monitors}
    for name in monitor or []:
        if name not in known:
            store.close()
            fail(f"--monitor {name!r}: no such monitor in the config", EXIT_INPUT)
    try:
        incident = repo.declare(
            title.strip(), severity, _who(author), time.time(), monitor or [], message
        )
    finally:
        store.close()
    _done(incident, json_out, f"incident #{incident.id} declared ({severity})")


@app.command("note")
@handle_errors
def note(
    incident_id: IdArg,
    text: Annotated[str, typer.Argument(help="What happened, what you did or found.")],
    author: AuthorOption = None,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Add a note to the incident's timeline."""
    _, store, repo = _open(config)
    try:
        _get(repo, incident_id)
        repo.note(incident_id, _who(author), text, time.time())
        incident = repo.get(incident_id)
    finally:
        store.close()
    _done(incident, json_out, f"note added to incident #{incident_id}")


@app.command("status")
@handle_errors
def status(
    incident_id: IdArg,
    new_status: Annotated[
        str, typer.Argument(help="assessed, communicated, mitigated, resolved or reviewed.")
    ],
    message: Annotated[str, typer.Option("--message", "-m", help="Why, for the timeline.")] = "",
    severity: Annotated[
        str | None, typer.Option(help="Assessed severity: critical, high, medium or low.")
    ] = None,
    author: AuthorOption = None,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Move the incident along its lifecycle (forward only); --severity re-rates it."""
    from warden.alerting.config import SEVERITIES

    if severity is not None and severity not in SEVERITIES:
        fail(f"--severity {severity!r} is not one of {', '.join(SEVERITIES)}", EXIT_INPUT)
    _, store, repo = _open(config)
    try:
        _get(repo, incident_id)
        try:
            now = time.time()
            incident = repo.set_status(incident_id, new_status, now, _who(author), message)
            if severity is not None and severity != incident.severity:
                incident = repo.assess(incident_id, severity, _who(author), now)
        except ValueError as exc:
            fail(f"incident #{incident_id}: {exc}", EXIT_INPUT)
    finally:
        store.close()
    _done(incident, json_out, f"incident #{incident.id} is {incident.status}")


@app.command("resolve")
@handle_errors
def resolve(
    incident_id: IdArg,
    message: Annotated[str, typer.Option("--message", "-m", help="How it was fixed.")] = "",
    author: AuthorOption = None,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Mark the incident resolved."""
    _, store, repo = _open(config)
    try:
        _get(repo, incident_id)
        try:
            incident = repo.resolve(incident_id, _who(author), time.time(), message)
        except ValueError as exc:
            fail(f"incident #{incident_id}: {exc}", EXIT_INPUT)
    finally:
        store.close()
    _done(incident, json_out, f"incident #{incident.id} resolved")


def _done(incident: Any, json_out: bool, text: str) -> None:
    if json_out:
        write_json("incident", {"incident": _incident_json(incident)})
    else:
        stdout().print(text)


@app.command("postmortem")
@handle_errors
def postmortem(
    incident_id: IdArg,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file, not stdout.")
    ] = None,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Write the incident's postmortem in Markdown; impact is measured from the store."""
    from warden.incidents.views import postmortem as build

    cfg, store, repo = _open(config)
    try:
        _get(repo, incident_id)
        pm = build(repo, store, incident_id, cfg.monitors, cfg.slos, time.time())
    finally:
        store.close()
    assert pm is not None
    text = pm.markdown
    if output is not None:
        output.write_text(text, encoding="utf-8")
    if json_out:
        write_json("postmortem", {**pm.json(), "file": str(output) if output else None})
    elif output is None:
        typer.echo(text, nl=False)
    else:
        stdout().print(f"postmortem written to {output}")


action_app = typer.Typer(help="Postmortem action items, tracked until done.", no_args_is_help=True)
app.add_typer(action_app, name="action")


@action_app.command("add")
@handle_errors
def action_add(
    incident_id: IdArg,
    text: Annotated[str, typer.Argument(help="What to change.")],
    owner: Annotated[str, typer.Option(help="Who owns it.")] = "",
    due: Annotated[str | None, typer.Option(help="Due date (2026-12-20) or time.")] = None,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Add an action item to an incident (it shows in the weekly report until done)."""
    from warden.incidents import actions
    from warden.reports.config import parse_date

    due_at = None
    if due is not None:
        try:
            due_at = parse_date(due)
        except ValueError as exc:
            fail(f"--due: {exc}")
    if not text.strip():
        fail("the action needs a text")
    _, store, repo = _open(config)
    try:
        _get(repo, incident_id)
        item_id = actions.add(store.engine, incident_id, text.strip(), owner, due_at, time.time())
    finally:
        store.close()
    if json_out:
        write_json("incident.action", {"id": item_id, "incident": incident_id})
    else:
        stdout().print(f"action item {item_id} added to incident #{incident_id}")


@action_app.command("done")
@handle_errors
def action_done(
    item_id: Annotated[int, typer.Argument(help="Action item number.")],
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Mark an action item done."""
    from warden.incidents import actions

    _, store, _ = _open(config)
    try:
        ok = actions.done(store.engine, item_id, time.time())
    finally:
        store.close()
    if not ok:
        fail(f"no open action item {item_id} (see `warden incident action list`)")
    if json_out:
        write_json("incident.action", {"id": item_id, "done": True})
    else:
        stdout().print(f"action item {item_id} done")


@action_app.command("list")
@handle_errors
def action_list(
    open_only: Annotated[bool, typer.Option("--open", help="Only the ones not done.")] = False,
    incident: Annotated[int | None, typer.Option(help="Only this incident's.")] = None,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Action items, oldest first."""
    from warden.cli._table import Col, table
    from warden.incidents import actions
    from warden.incidents.postmortem import when

    _, store, _ = _open(config)
    try:
        got = actions.items(store.engine, incident, open_only)
    finally:
        store.close()
    now = time.time()
    if json_out:
        write_json("incident.actions", {"items": [a.json(now) for a in got]})
        return
    rows = [[str(a.id), f"#{a.incident_id}", a.text, a.owner or "-", when(a.due),
             "done " + when(a.done_at) if a.done_at else "open"] for a in got]  # fmt: skip
    stdout().print(table([Col("id", right=True), Col("incident"), Col("action", wrap=True),
                          Col("owner"), Col("due"), Col("state")], rows))  # fmt: skip
