"""Alerts and silences through the API (over the alerting area's repository) and /metrics."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

from tests.web.conftest import Site, monitors
from warden.alerting.model import Alert, AlertState, fingerprint
from warden.alerting.storage import AlertRepository
from warden.cli.main import app
from warden.web.users import Role


def _alert(monitor: str, state: AlertState) -> Alert:
    labels = {"alertname": "down", "monitor": monitor}
    return Alert(fingerprint(labels), "down", "critical", state, labels, {"summary": "x"})


async def test_alerts_listed_filtered_and_counted_on_metrics(site: Site) -> None:
    repo = AlertRepository(site.store.engine)
    repo.save_alerts([_alert("api", AlertState.FIRING), _alert("db", AlertState.PENDING)])
    async with site.client(Role.VIEWER) as c:
        every = (await c.get("/api/v1/alerts")).json()["alerts"]
        firing = (await c.get("/api/v1/alerts", params={"state": "firing"})).json()["alerts"]
        bad = await c.get("/api/v1/alerts", params={"state": "burning"})
        metrics = (await c.get("/metrics")).text
    assert {a["labels"]["monitor"] for a in every} == {"api", "db"}
    assert [a["labels"]["monitor"] for a in firing] == ["api"]
    assert firing[0]["state"] == "firing"
    assert bad.status_code == 400
    samples = {
        (s.labels["state"], s.labels["severity"]): s.value
        for fam in text_string_to_metric_families(metrics)
        if fam.name == "warden_alerts"
        for s in fam.samples
    }
    assert samples == {("firing", "critical"): 1.0, ("pending", "critical"): 1.0}


async def test_silence_create_list_expire(site: Site) -> None:
    body = {"matchers": ['monitor="api"'], "duration_seconds": 3600, "comment": "deploy"}
    async with site.client(Role.VIEWER) as c:
        assert (await c.post("/api/v1/silences", json=body)).status_code == 403
    async with site.client(Role.OPERATOR) as c:
        made = await c.post("/api/v1/silences", json=body)
        assert made.status_code == 201
        sil = made.json()
        assert sil["matchers"] == ['monitor="api"']
        assert sil["created_by"] == "operator"
        assert sil["active"] is True
        assert sil["ends_at"] - sil["starts_at"] == 3600
        listed = (await c.get("/api/v1/silences")).json()["silences"]
        assert [s["id"] for s in listed] == [sil["id"]]
        assert (await c.delete(f"/api/v1/silences/{sil['id']}")).status_code == 204
        listed = (await c.get("/api/v1/silences")).json()["silences"]
        assert listed[0]["active"] is False
        assert (await c.delete("/api/v1/silences/no-such-id")).status_code == 404


async def test_silence_bad_input_is_400(site: Site) -> None:
    async with site.client(Role.OPERATOR) as c:
        for body in (
            {"matchers": ["not a matcher"], "duration_seconds": 3600},
            {"matchers": ['monitor=~"api'], "duration_seconds": 3600},
            {"matchers": [], "duration_seconds": 3600},
            {"matchers": ['monitor="api"'], "duration_seconds": 1},
            {"matchers": ['monitor="api"'], "duration_seconds": "1h"},
            {"matchers": "monitor=api", "duration_seconds": 3600},
        ):
            r = await c.post("/api/v1/silences", json=body)
            assert r.status_code == 400, body
            assert r.json()["error"]["code"] == "bad_request"
            if body["matchers"] == ['monitor=~"api']:
                assert 'monitor=~"api' in r.json()["error"]["message"]


async def test_cli_and_api_give_the_same_alert_and_silence_json(site: Site, tmp_path: Path) -> None:
    AlertRepository(site.store.engine).save_alerts(
        [_alert("api", AlertState.FIRING), _alert("db", AlertState.PENDING)]
    )
    body = {"matchers": ['monitor="api"'], "duration_seconds": 3600, "comment": "deploy"}
    async with site.client(Role.OPERATOR) as c:
        assert (await c.post("/api/v1/silences", json=body)).status_code == 201
        api_alerts = (await c.get("/api/v1/alerts")).json()["alerts"]
        api_silences = (await c.get("/api/v1/silences")).json()["silences"]
    cfg = tmp_path / "cli.yaml"
    cfg.write_text(f'store:\n  url: "sqlite:///{tmp_path}/w.db"\n', encoding="utf-8")

    def cli(*args: str) -> dict[str, Any]:
        res = CliRunner().invoke(app, [*args, "-c", str(cfg), "--json"])
        assert res.exit_code == 0, res.stderr
        out: dict[str, Any] = json.loads(res.stdout)
        return out

    # muting is judged at each side's own clock (the site's is a fake one)
    clockless = ("muted", "muted_reason")
    cli_alerts = [
        {k: v for k, v in a.items() if k not in clockless} for a in cli("alerts", "list")["alerts"]
    ]
    assert sorted(cli_alerts, key=str) == sorted(
        [{k: v for k, v in a.items() if k not in clockless} for a in api_alerts], key=str
    )
    muted = {a["labels"]["monitor"]: (a["muted"], a["muted_reason"]) for a in api_alerts}
    assert muted["db"] == (False, None)
    assert muted["api"][0] is True
    assert muted["api"][1].startswith("silenced by")
    cli_silences = cli("silence", "list", "--all")["silences"]
    # "active" is judged at each side's own clock (the site's is a fake one)
    assert [{**s, "active": None} for s in cli_silences] == [
        {**s, "active": None} for s in api_silences
    ]


async def test_alerts_and_incidents_api_take_since_and_until(site: Site) -> None:
    import datetime as dt

    from warden.incidents.storage import IncidentRepository

    now = site.clock.time()
    day = 86400.0
    old = replace(
        _alert("old", AlertState.RESOLVED),
        active_since=now - 3 * day,
        starts_at=now - 3 * day,
        ends_at=now - 2 * day,
    )
    new = replace(_alert("new", AlertState.FIRING), active_since=now - 600, starts_at=now - 600)
    AlertRepository(site.store.engine).save_alerts([old, new])
    incidents = IncidentRepository(site.store.engine)
    done = incidents.open("a", "old outage", "high", now - 3 * day, "x")
    incidents.resolve(done.id, "ann", now - 2 * day, "fixed")
    incidents.open("b", "current outage", "high", now - 600, "x")
    iso = dt.datetime.fromtimestamp(now - day, dt.UTC).isoformat()
    async with site.client(Role.VIEWER) as c:

        async def monitors(**params: str) -> list[str]:
            got = (await c.get("/api/v1/alerts", params=params)).json()["alerts"]
            return sorted(a["labels"]["monitor"] for a in got)

        async def titles(**params: str) -> list[str]:
            got = (await c.get("/api/v1/incidents", params=params)).json()["incidents"]
            return [i["title"] for i in got]

        assert await monitors(since="1h") == ["new"]
        assert await monitors(since="4d") == ["new", "old"]
        assert await monitors(since="4d", until=iso) == ["old"]
        assert await titles() == ["current outage"]
        assert await titles(since="4d", until=iso) == ["old outage"]
        assert await titles(since=str(now - 4 * day)) == ["current outage", "old outage"]
        bad = await c.get("/api/v1/alerts", params={"since": "soon"})
        bad_incidents = await c.get("/api/v1/incidents", params={"until": "soon"})
    assert bad.status_code == 400
    assert "since: 'soon'" in bad.json()["error"]["message"]
    assert bad_incidents.status_code == 400


async def test_the_overview_data_says_which_monitors_are_muted_and_why(
    make_site: Callable[..., Site],
) -> None:
    site = make_site(*monitors("api", "db", "web"))
    AlertRepository(site.store.engine).save_alerts(
        [_alert(m, AlertState.FIRING) for m in ("api", "db")]
    )
    body = {"matchers": ['monitor="api"'], "duration_seconds": 3600, "comment": "deploy"}
    async with site.client(Role.OPERATOR) as c:
        assert (await c.post("/api/v1/silences", json=body)).status_code == 201
        rows = (await c.get("/api/v1/monitors")).json()["monitors"]
        page = (await c.get("/")).text
    muted = {r["name"]: r["muted_reason"] for r in rows}
    assert str(muted["api"]).startswith("silenced by")
    assert (muted["db"], muted["web"]) == (None, None)
    assert "silenced by" in page  # the overview's firing-alerts panel says why api is quiet
