"""Postmortem action items: added, listed and closed from the CLI, listed in the incident's
postmortem, and shown in the weekly report while open (overdue ones marked)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from warden.cli.main import app as cli
from warden.incidents import actions
from warden.incidents.storage import IncidentRepository
from warden.reports import render
from warden.reports.weekly import weekly_report
from warden.tables import open_store


def test_items_from_add_to_done(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/w.db"
    store = open_store(db)
    incident = IncidentRepository(store.engine).open("g", "checkout down", "high", 1000.0, "x")
    store.close()
    config = tmp_path / "warden.yaml"
    config.write_text(f'store:\n  url: "{db}"\n', encoding="utf-8")

    def run(*args: str) -> dict:  # type: ignore[type-arg]
        res = CliRunner().invoke(cli, ["incident", "action", *args, "-c", str(config), "--json"])
        assert res.exit_code == 0, res.output
        return json.loads(res.stdout)  # type: ignore[no-any-return]

    first = run("add", str(incident.id), "Alert on pool exhaustion", "--owner", "ana",
                "--due", "2020-01-01")  # fmt: skip
    run("add", str(incident.id), "Raise max_connections", "--owner", "bo")
    assert [i["text"] for i in run("list", "--open")["items"]] == [
        "Alert on pool exhaustion", "Raise max_connections",
    ]  # fmt: skip
    store = open_store(db)
    try:
        week = weekly_report(store, _config(db), 2_000_000_000.0)
        (overdue, _) = week["open_action_items"]
        assert overdue["overdue"] is True
        assert "Alert on pool exhaustion (ana) OVERDUE" in render.weekly_markdown(week)
    finally:
        store.close()
    run("done", str(first["id"]))
    assert [i["owner"] for i in run("list", "--open")["items"]] == ["bo"]
    bad = CliRunner().invoke(cli, ["incident", "action", "done", "999", "-c", str(config)])
    assert bad.exit_code == 2
    pm = CliRunner().invoke(cli, ["incident", "postmortem", str(incident.id), "-c", str(config)])
    assert "| Alert on pool exhaustion | ana |" in pm.stdout
    assert "| Raise max_connections | bo |" in pm.stdout
    store = open_store(db)
    try:
        assert len(actions.items(store.engine, incident.id)) == 2
    finally:
        store.close()


def _config(url: str):  # type: ignore[no-untyped-def]
    from warden.config.schema import build_model

    return build_model().model_validate({"store": {"url": url}})
