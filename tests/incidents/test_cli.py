"""``warden incident ...`` against a real store, with --json shapes and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.alerting.rig import Rig, config, monitor
from tests.notify.sinks import HttpSink
from warden.cli.main import app
from warden.results import Status

runner = CliRunner()


async def test_incident_commands(tmp_path: Path) -> None:
    sink = HttpSink()
    await sink.start()
    rig = await Rig(tmp_path / "w.db", config(sink.url, [monitor("api")], for_="0s")).attach()
    await rig.result("api", Status.DOWN)
    await rig.round()
    rig.close()
    await sink.stop()
    cfg_path = tmp_path / "warden.yaml"
    cfg_path.write_text(f'store:\n  url: "sqlite:///{tmp_path}/w.db"\n', encoding="utf-8")
    cfg = str(cfg_path)

    def run(*args: str) -> dict[str, object]:
        res = runner.invoke(app, ["incident", *args, "-c", cfg, "--json"])
        assert res.exit_code == 0, res.stderr
        out: dict[str, object] = json.loads(res.stdout)
        return out

    doc = run("list")
    assert doc["schema"] == "warden.incidents/v1"
    [incident] = doc["incidents"]  # type: ignore[misc]
    iid = str(incident["id"])
    assert run("ack", iid, "--author", "ann")["incident"]["status"] == "assessed"  # type: ignore[index]
    run("note", iid, "looking at the load balancer", "--author", "ann")
    assessed = run("status", iid, "communicated", "--severity", "high")["incident"]
    assert assessed["status"] == "communicated"  # type: ignore[index]
    assert assessed["severity"] == "high"  # type: ignore[index]
    assert run("resolve", iid, "-m", "fixed")["incident"]["status"] == "resolved"  # type: ignore[index]
    shown = run("show", iid)
    texts = [e["text"] for e in shown["timeline"]]  # type: ignore[attr-defined]
    assert "looking at the load balancer" in texts
    assert "severity assessed: critical → high" in texts
    assert shown["alerts"][0]["labels"]["monitor"] == "api"  # type: ignore[index]
    out = tmp_path / "pm.md"
    pm = run("postmortem", iid, "-o", str(out))
    assert out.read_text(encoding="utf-8") == pm["markdown"]
    assert "TODO(author): root cause" in str(pm["markdown"])

    bad = runner.invoke(app, ["incident", "status", iid, "detected", "-c", cfg])
    assert bad.exit_code == 2
    assert "cannot move" in bad.stderr
    missing = runner.invoke(app, ["incident", "show", "999", "-c", cfg])
    assert missing.exit_code == 2
    assert "no incident #999" in missing.stderr


def test_declare_opens_an_incident_by_hand(tmp_path: Path) -> None:
    cfg_path = tmp_path / "warden.yaml"
    cfg_path.write_text(
        f'store:\n  url: "sqlite:///{tmp_path}/w.db"\n'
        "monitors:\n  - name: api\n    tcp: {host: 127.0.0.1, port: 9}\n",
        encoding="utf-8",
    )
    cfg = str(cfg_path)
    res = runner.invoke(
        app,
        [
            "incident",
            "declare",
            "Checkout is slow",
            "--severity",
            "medium",
            "-M",
            "api",
            "-m",
            "users report 10 s page loads",
            "--author",
            "ann",
            "-c",
            cfg,
            "--json",
        ],
    )
    assert res.exit_code == 0, res.stderr
    incident = json.loads(res.stdout)["incident"]
    assert (incident["title"], incident["severity"], incident["status"]) == (
        "Checkout is slow",
        "medium",
        "detected",
    )
    shown = json.loads(
        runner.invoke(app, ["incident", "show", str(incident["id"]), "-c", cfg, "--json"]).stdout
    )
    assert "users report 10 s page loads" in [e["text"] for e in shown["timeline"]]
    assert [a["labels"]["monitor"] for a in shown["alerts"]] == ["api"]
    for bad, message in [
        (["-M", "nope"], "no such monitor"),
        (["--severity", "urgent"], "not one of"),
    ]:
        refused = runner.invoke(app, ["incident", "declare", "x", *bad, "-c", cfg])
        assert refused.exit_code == 2
        assert message in refused.stderr


def test_incident_list_since_and_until(tmp_path: Path) -> None:
    import time

    from warden.incidents.storage import IncidentRepository
    from warden.tables import open_store

    now = time.time()
    day = 86400.0
    store = open_store(f"sqlite:///{tmp_path}/w.db")
    repo = IncidentRepository(store.engine)
    old = repo.open("a", "old outage", "high", now - 5 * day, "x")
    repo.resolve(old.id, "ann", now - 4 * day, "fixed")
    repo.open("b", "current outage", "high", now - 3600, "x")
    store.close()
    cfg = tmp_path / "warden.yaml"
    cfg.write_text(f'store:\n  url: "sqlite:///{tmp_path}/w.db"\n', encoding="utf-8")

    def titles(*args: str) -> list[str]:
        res = runner.invoke(app, ["incident", "list", *args, "-c", str(cfg), "--json"])
        assert res.exit_code == 0, res.stderr
        return [i["title"] for i in json.loads(res.stdout)["incidents"]]

    assert titles() == ["current outage"]
    assert titles("--since", "6d") == ["current outage", "old outage"]
    assert titles("--since", "6d", "--until", "2d") == ["old outage"]
    assert titles("--since", "2h") == ["current outage"]
    res = runner.invoke(app, ["incident", "list", "--until", "soon", "-c", str(cfg)])
    assert res.exit_code == 2
    assert "--until: 'soon'" in res.stderr
