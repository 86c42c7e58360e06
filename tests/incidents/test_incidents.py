"""Incidents opened by alerts, their lifecycle and timeline, and the postmortem."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.alerting.rig import Rig, config, monitor
from tests.notify.sinks import HttpSink
from warden.incidents.model import check_move
from warden.incidents.postmortem import measure, render
from warden.incidents.storage import IncidentRepository
from warden.results import Status

UP, DOWN = Status.UP, Status.DOWN


@pytest.fixture
async def sink() -> AsyncIterator[HttpSink]:
    s = HttpSink()
    await s.start()
    yield s
    await s.stop()


@pytest.mark.parametrize(
    ("current", "new", "ok"),
    [
        ("detected", "assessed", True),
        ("detected", "resolved", True),
        ("mitigated", "resolved", True),
        ("resolved", "reviewed", True),
        ("assessed", "detected", False),
        ("mitigated", "reviewed", False),
        ("detected", "closed", False),
    ],
)
def test_lifecycle_moves(current: str, new: str, ok: bool) -> None:
    if ok:
        check_move(current, new)
    else:
        with pytest.raises(ValueError, match=r"status|back|reviewed"):
            check_move(current, new)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/w.db"
    url: str = request.getfixturevalue("pg_database")
    return url


async def test_critical_alerts_open_one_incident_per_group(db: str, sink: HttpSink) -> None:
    mons = [
        monitor("api", group="shop"),
        monitor("web", group="shop"),
        monitor("blog", group="site"),
    ]
    rig = await Rig(db, config(sink.url, mons, for_="0s")).attach()
    repo = IncidentRepository(rig.store.engine)
    await rig.result("api", DOWN)
    await rig.round()
    rig.clock.advance(10)
    await rig.result("web", DOWN)
    await rig.round()
    [shop] = repo.list_incidents()
    assert shop.group_key == "shop"
    assert shop.status == "detected"
    assert shop.severity == "critical"
    assert sorted(a.labels["monitor"] for a in repo.alerts(shop.id)) == ["api", "web"]
    kinds = [e.kind for e in repo.timeline(shop.id)]
    assert kinds.count("alert") == 2
    assert kinds.count("notification") == 2

    await rig.result("blog", DOWN)
    await rig.round()
    assert len(repo.list_incidents()) == 2

    incident = repo.ack(shop.id, "ann", rig.clock.time())
    assert incident.status == "assessed"
    assert incident.acked_by == "ann"
    repo.note(shop.id, "ann", "restarted the api pods", rig.clock.time())

    rig.clock.advance(120)
    await rig.result("api", UP)
    await rig.result("web", UP)
    await rig.round()
    mitigated = repo.get(shop.id)
    assert mitigated is not None
    assert mitigated.status == "mitigated"
    resolved = repo.resolve(shop.id, "ann", rig.clock.time(), "rolled back")
    assert resolved.status == "resolved"
    assert resolved.resolved_at is not None
    texts = [e.text for e in repo.timeline(shop.id)]
    assert any("resolved notification" in t for t in texts)
    assert "restarted the api pods" in texts
    rig.close()


async def test_a_later_outage_of_an_ungrouped_monitor_opens_its_own_incident(
    tmp_path: Path, sink: HttpSink
) -> None:
    """Monitors without `group:` share no incident, and a mitigated incident does not swallow
    an outage that starts after its rejoin window."""
    from warden.incidents.tracker import REJOIN_WINDOW

    rig = await Rig(
        tmp_path / "w.db", config(sink.url, [monitor("api"), monitor("db")], for_="0s")
    ).attach()
    repo = IncidentRepository(rig.store.engine)
    await rig.result("api", DOWN)
    await rig.round()
    rig.clock.advance(60)
    await rig.result("api", UP)
    await rig.round()
    [api] = repo.list_incidents()
    assert api.status == "mitigated"

    rig.clock.advance(60)
    await rig.result("db", DOWN)  # another monitor, no group: not api's incident
    await rig.round()
    incidents = {i.group_key: i for i in repo.list_incidents()}
    assert set(incidents) == {"api", "db"}
    assert incidents["db"].id != api.id
    assert repo.get(api.id).status == "mitigated"  # type: ignore[union-attr]

    rig.clock.advance(REJOIN_WINDOW + 60)
    await rig.result("api", DOWN)  # api again, long after its incident was mitigated
    await rig.round()
    api_incidents = [i for i in repo.list_incidents() if i.group_key == "api"]
    assert len(api_incidents) == 2
    rig.close()


async def test_a_flap_within_the_window_rejoins_the_mitigated_incident(
    tmp_path: Path, sink: HttpSink
) -> None:
    rig = await Rig(tmp_path / "w.db", config(sink.url, [monitor("api")], for_="0s")).attach()
    repo = IncidentRepository(rig.store.engine)
    await rig.result("api", DOWN)
    await rig.round()
    rig.clock.advance(30)
    await rig.result("api", UP)
    await rig.round()
    rig.clock.advance(30)
    await rig.result("api", DOWN)
    await rig.round()
    [incident] = repo.list_incidents()
    assert incident.status == "mitigated"  # a person decides when it is over
    assert [e.text.split(":")[0] for e in repo.timeline(incident.id) if e.kind == "alert"] == [
        "firing (critical)",
        "resolved",
        "firing (critical)",
    ]
    rig.close()


async def test_medium_alert_and_silenced_alert_open_no_incident(
    tmp_path: Path, sink: HttpSink
) -> None:
    rig = await Rig(
        tmp_path / "w.db", config(sink.url, [monitor("api")], for_="0s", severity="medium")
    ).attach()
    await rig.result("api", DOWN)
    await rig.round()
    assert IncidentRepository(rig.store.engine).list_incidents() == []
    rig.close()


async def test_postmortem_measures_impact_and_leaves_prompts(
    tmp_path: Path, sink: HttpSink
) -> None:
    cfg = config(
        sink.url,
        [monitor("api", group="shop")],
        for_="0s",
        slos=[{"name": "api-availability", "monitors": ["api"], "objective": 99.0, "window": "1d"}],
    )
    rig = await Rig(tmp_path / "w.db", cfg).attach()
    for _ in range(6):  # one hour of good checks before
        await rig.result("api", UP)
        rig.clock.advance(600)
    for _ in range(3):  # then 30 minutes down
        await rig.result("api", DOWN)
        await rig.round()
        rig.clock.advance(600)
    await rig.result("api", UP)
    await rig.round()
    repo = IncidentRepository(rig.store.engine)
    [incident] = repo.list_incidents()
    repo.note(incident.id, "bob", "disk full on db host", rig.clock.time())
    repo.resolve(incident.id, "bob", rig.clock.time())
    incident = repo.get(incident.id)
    assert incident is not None
    impact = measure(
        incident, repo.alerts(incident.id), rig.store, cfg.monitors, cfg.slos, rig.clock.time()
    )
    [api] = impact.monitors
    assert (api.checks, api.failed) == (3, 3)  # the recovery check lands at the end: excluded
    assert impact.end - impact.start == pytest.approx(1800)
    assert impact.budgets["api-availability"] == pytest.approx(3 / (9 * 0.01))  # 9 checks in 1d
    text = render(incident, repo.timeline(incident.id), impact)
    assert text.startswith(f"# Postmortem: incident #{incident.id}")
    assert "Duration: 30m" in text
    assert "<!-- TODO(author): root cause" in text
    assert "disk full on db host" in text
    for section in (
        "## Impact",
        "## Timeline",
        "## Root cause",
        "## Resolution",
        "## Action items",
    ):
        assert section in text
    rig.close()


@pytest.mark.parametrize(
    ("labels", "group"),
    [
        ({"incident_group": "pay", "group": "shop", "monitor": "api"}, "pay"),
        ({"group": "shop", "monitor": "api"}, "shop"),
        ({"group": "default", "monitor": "api"}, "api"),
        ({"group": "default", "slo": "checkout"}, "slo:checkout"),
        ({}, "Down"),
    ],
)
def test_incident_group_keeps_unrelated_alerts_apart(labels: dict[str, str], group: str) -> None:
    from warden.alerting.model import Alert, AlertState, fingerprint
    from warden.incidents.tracker import incident_group

    full = {"alertname": "Down", **labels}
    alert = Alert(fingerprint(full), "Down", "critical", AlertState.FIRING, full, {})
    assert incident_group(alert) == group
