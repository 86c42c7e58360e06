"""``warden alerts`` and ``warden silence`` against a real store, with --json shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.alerting.rig import Rig, config, monitor
from tests.notify.sinks import HttpSink
from warden.cli.main import app
from warden.results import Status

runner = CliRunner()


def write_config(tmp_path: Path) -> Path:
    path = tmp_path / "warden.yaml"
    path.write_text(f'store:\n  url: "sqlite:///{tmp_path}/w.db"\n', encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, dict[str, object]]:
    res = runner.invoke(app, [*args, "--json"])
    return res.exit_code, json.loads(res.stdout) if res.stdout.strip() else {}


async def test_alerts_list_and_silences(tmp_path: Path) -> None:
    sink = HttpSink()
    await sink.start()
    rig = await Rig(tmp_path / "w.db", config(sink.url, [monitor("api")], for_="0s")).attach()
    await rig.result("api", Status.DOWN)
    await rig.round()
    rig.close()
    await sink.stop()
    cfg = str(write_config(tmp_path))

    code, doc = run("alerts", "list", "-c", cfg)
    assert code == 0
    assert doc["schema"] == "warden.alerts/v1"
    [alert] = doc["alerts"]  # type: ignore[misc]
    assert alert["state"] == "firing"
    assert alert["labels"]["monitor"] == "api"
    assert alert["muted"] is False
    assert alert["muted_reason"] is None
    people = runner.invoke(app, ["alerts", "list", "-c", cfg], env={"COLUMNS": "200"}).stdout
    assert "firing" in people
    assert "Muted because" not in people  # an empty column is dropped

    code, doc = run(
        "silence", "add", 'monitor="api"', "-m", "deploy", "--duration", "2h", "-c", cfg
    )
    assert code == 0
    sid = doc["silence"]["id"]  # type: ignore[index]
    code, doc = run("alerts", "list", "-c", cfg)
    assert doc["alerts"][0]["muted"] is True  # type: ignore[index]
    assert doc["alerts"][0]["muted_reason"].startswith("silenced by")  # type: ignore[index]
    people = runner.invoke(app, ["alerts", "list", "-c", cfg], env={"COLUMNS": "200"}).stdout
    assert "muted" in people
    assert "silenced by" in people
    assert "Muted because" in people
    code, doc = run("silence", "list", "-c", cfg)
    assert [s["id"] for s in doc["silences"]] == [sid]  # type: ignore[union-attr]
    code, doc = run("silence", "expire", sid[:8], "-c", cfg)
    assert code == 0
    assert doc["expired"] is True
    code, doc = run("silence", "list", "-c", cfg)
    assert doc["silences"] == []

    code, doc = run("alerts", "log", "-c", cfg)
    assert [n["state"] for n in doc["notifications"]] == ["sent"]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["silence", "add", "monitor", "-m", "x"], "matcher"),
        (["silence", "add", 'monitor=~"api', "-m", "x"], 'monitor=~"api'),
        (["silence", "add", 'a="b"', "-m", "x", "--duration", "soon"], "--duration"),
        (["silence", "expire", "nope"], "no silence"),
    ],
)
def test_bad_input_exits_2_with_a_clear_error(
    tmp_path: Path, args: list[str], message: str
) -> None:
    res = runner.invoke(app, [*args, "-c", str(write_config(tmp_path))])
    assert res.exit_code == 2
    assert "error:" in res.stderr
    assert message in res.stderr


async def test_tables_for_people(tmp_path: Path) -> None:
    sink = HttpSink()
    await sink.start()
    slos = [{"name": "api-avail", "monitors": ["api"], "objective": 99.0}]
    rig = await Rig(
        tmp_path / "w.db", config(sink.url, [monitor("api")], for_="0s", slos=slos)
    ).attach()
    await rig.result("api", Status.DOWN)
    await rig.round()
    rig.close()
    await sink.stop()
    path = write_config(tmp_path)
    path.write_text(
        path.read_text(encoding="utf-8")
        + "monitors:\n  - {name: api, tcp: {host: 127.0.0.1, port: 9}}\n"
        + "slos:\n  - {name: api-avail, monitors: [api], objective: 99}\n",
        encoding="utf-8",
    )
    cfg = str(path)
    for args, expected in [
        (["alerts", "list"], "firing"),
        (["alerts", "log"], "sent"),
        (["alerts", "slo"], "api-avail"),
        (["silence", "list"], "no silences"),
        (["incident", "list"], "api is down"),
        (["incident", "show", "1"], "firing (critical): api is down"),
    ]:
        res = runner.invoke(app, [*args, "-c", cfg], env={"COLUMNS": "200"})
        assert res.exit_code == 0, (args, res.stderr)
        assert expected in res.stdout, (args, res.stdout)


def test_since_and_until_pick_alerts_and_notifications_of_a_period(tmp_path: Path) -> None:
    import datetime as dt
    import time

    from warden.alerting.model import Alert, AlertState, fingerprint
    from warden.alerting.storage import AlertRepository, OutgoingNotification
    from warden.tables import open_store

    cfg = str(write_config(tmp_path))
    now = time.time()
    hour, day = 3600.0, 86400.0

    def alert(monitor: str, began: float, ended: float | None) -> Alert:
        labels = {"alertname": "Down", "monitor": monitor}
        state = AlertState.RESOLVED if ended else AlertState.FIRING
        return Alert(
            fingerprint(labels), "Down", "high", state, labels, {},
            active_since=began, starts_at=began, ends_at=ended,
        )  # fmt: skip

    store = open_store(f"sqlite:///{tmp_path}/w.db")
    repo = AlertRepository(store.engine)
    repo.save_alerts([alert("old", now - 3 * day, now - 2 * day), alert("new", now - hour, None)])
    for key, at in (("a", now - 3 * day), ("b", now - hour)):
        note = OutgoingNotification(key, "g", "ops", "file:0", "firing", {"alerts": []})
        repo.commit_group(None, "g", [note], at)
    store.close()

    def monitors(*args: str) -> list[str]:
        code, doc = run("alerts", "list", *args, "-c", cfg)
        assert code == 0
        return sorted(a["labels"]["monitor"] for a in doc["alerts"])  # type: ignore[union-attr]

    assert monitors() == ["new"]
    assert monitors("--since", "2h") == ["new"]
    assert monitors("--since", "4d") == ["new", "old"]
    two_days_ago = dt.datetime.fromtimestamp(now - 2 * day + 60, dt.UTC).isoformat()
    assert monitors("--since", "4d", "--until", two_days_ago) == ["old"]

    code, doc = run("alerts", "log", "--since", "2h", "-c", cfg)
    assert code == 0
    assert [n["dedup_key"] for n in doc["notifications"]] == ["b"]  # type: ignore[union-attr]
    code, doc = run("alerts", "log", "--until", "1d", "-c", cfg)
    assert code == 0
    assert [n["dedup_key"] for n in doc["notifications"]] == ["a"]  # type: ignore[union-attr]

    res = runner.invoke(app, ["alerts", "list", "--since", "yesterday", "-c", cfg])
    assert res.exit_code == 2
    assert "--since: 'yesterday' is neither a duration" in res.stderr
    res = runner.invoke(app, ["alerts", "log", "--since", "1h", "--until", "2h", "-c", cfg])
    assert res.exit_code == 2
    assert "since must be before until" in res.stderr
