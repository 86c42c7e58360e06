"""The alerting service end to end: state machine, persistence, delivery to a real HTTP sink."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.alerting.rig import Rig, config, monitor
from tests.notify.sinks import HttpSink
from warden.alerting.model import AlertState
from warden.alerting.storage import AlertRepository
from warden.notify.outbox import Outbox
from warden.results import Status

UP, DOWN = Status.UP, Status.DOWN
V4_KEYS = {
    "version", "groupKey", "truncatedAlerts", "status", "receiver", "groupLabels",
    "commonLabels", "commonAnnotations", "externalURL", "alerts",
}  # fmt: skip
ALERT_KEYS = {
    "status",
    "labels",
    "annotations",
    "startsAt",
    "endsAt",
    "generatorURL",
    "fingerprint",
}


@pytest.fixture
async def sink() -> AsyncIterator[HttpSink]:
    s = HttpSink()
    await s.start()
    yield s
    await s.stop()


async def test_pending_then_firing_then_resolved_each_notified_once(
    tmp_path: Path, sink: HttpSink
) -> None:
    rig = await Rig(tmp_path / "w.db", config(sink.url, [monitor("api")])).attach()
    await rig.result("api", UP)
    await rig.round()
    await rig.result("api", DOWN)
    await rig.round()
    [alert] = rig.service.evaluator.alerts.values()
    assert alert.state is AlertState.PENDING
    rig.clock.advance(20)
    await rig.result("api", DOWN)
    assert await rig.round() == 0
    rig.clock.advance(10)
    assert await rig.round() == 1
    [payload] = sink.received
    assert set(payload) == V4_KEYS
    assert payload["version"] == "4"
    assert payload["status"] == "firing"
    assert payload["receiver"] == "ops"
    assert payload["groupLabels"] == {"alertname": "Down", "monitor": "api"}
    assert payload["commonLabels"]["severity"] == "critical"
    [entry] = payload["alerts"]
    assert set(entry) == ALERT_KEYS
    assert entry["endsAt"] == "0001-01-01T00:00:00Z"
    assert entry["annotations"]["summary"] == "api is down"
    assert entry["annotations"]["runbook_url"] == "https://runbooks.test/down"
    assert sink.headers[0]["x-warden-dedup-key"]
    for _ in range(3):  # still down: nothing new before repeat_interval
        rig.clock.advance(30)
        await rig.result("api", DOWN)
        assert await rig.round() == 0
    await rig.result("api", UP)
    rig.clock.advance(60)
    assert await rig.round() == 1
    resolved = sink.received[1]
    assert resolved["status"] == "resolved"
    assert resolved["alerts"][0]["endsAt"] != "0001-01-01T00:00:00Z"
    assert resolved["alerts"][0]["fingerprint"] == entry["fingerprint"]
    rig.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/w.db"
    url: str = request.getfixturevalue("pg_database")
    return url


async def test_restart_keeps_firing_alert_and_does_not_resend(db: str, sink: HttpSink) -> None:
    cfg = config(sink.url, [monitor("api")], for_="0s")
    first = await Rig(db, cfg).attach()
    await first.result("api", DOWN)
    assert await first.round() == 1
    started = first.service.evaluator.firing()[0].starts_at
    first.close()

    second = await Rig(db, cfg, clock=first.clock).attach()
    [alert] = second.service.evaluator.firing()
    assert alert.starts_at == started
    second.clock.advance(120)
    await second.result("api", DOWN)
    assert await second.round() == 0
    assert len(sink.received) == 1
    await second.result("api", UP)
    second.clock.advance(60)
    assert await second.round() == 1
    assert sink.received[-1]["status"] == "resolved"
    second.close()


async def test_receiver_down_delays_but_never_loses(tmp_path: Path, sink: HttpSink) -> None:
    cfg = config(sink.url, [monitor("api")], for_="0s")
    rig = await Rig(tmp_path / "w.db", cfg).attach()
    sink.status = 503
    await rig.result("api", DOWN)
    assert await rig.round() == 0
    rig.clock.advance(5)  # backoff is 10 s: not due yet
    assert await rig.round() == 0
    assert sink.hits == 1
    rig.clock.advance(6)
    assert await rig.round() == 0
    assert sink.hits == 2
    [entry] = Outbox(rig.store.engine).log()
    assert entry.state == "pending"
    assert entry.attempts == 2
    assert entry.last_error is not None
    assert "503" in entry.last_error
    rig.close()

    # Warden restarts while the receiver is still down; it comes back later
    again = await Rig(tmp_path / "w.db", cfg, clock=rig.clock).attach()
    sink.status = 200
    again.clock.advance(30)
    assert await again.round() == 1
    assert [p["status"] for p in sink.received] == ["firing"]
    [entry] = Outbox(again.store.engine).log()
    assert entry.state == "sent"
    assert entry.sent_at is not None
    again.close()


async def test_queued_but_not_delivered_before_a_crash_is_delivered_once(
    tmp_path: Path, sink: HttpSink
) -> None:
    cfg = config(sink.url, [monitor("api")], for_="0s")
    rig = await Rig(tmp_path / "w.db", cfg).attach()
    await rig.result("api", DOWN)
    await rig.service.evaluate_now()  # queued atomically with the group state, then "crash"
    rig.close()
    again = await Rig(tmp_path / "w.db", cfg, clock=rig.clock).attach()
    assert await again.round() == 1
    assert await again.round() == 0
    assert len(sink.received) == 1
    again.close()


async def test_silence_mutes_until_expired(tmp_path: Path, sink: HttpSink) -> None:
    cfg = config(sink.url, [monitor("api"), monitor("web")], for_="0s")
    rig = await Rig(tmp_path / "w.db", cfg).attach()
    repo = AlertRepository(rig.store.engine)
    now = rig.clock.time()
    sil = repo.add_silence(['monitor="api"'], now, now + 3600, "ann", "deploy", now)
    await rig.result("api", DOWN)
    await rig.result("web", DOWN)
    assert await rig.round() == 1
    assert sink.received[0]["commonLabels"]["monitor"] == "web"
    assert repo.expire_silence(sil.id[:8], rig.clock.time())
    rig.clock.advance(1)
    assert await rig.round() == 1
    assert sink.received[1]["commonLabels"]["monitor"] == "api"
    rig.close()


async def test_dependency_down_suppresses_dependents_and_says_why(
    tmp_path: Path, sink: HttpSink
) -> None:
    mons = [monitor("db"), monitor("api", labels={"depends_on": "db"})]
    cfg = config(sink.url, mons, for_="0s", route={"group_by": ["alertname"]})
    rig = await Rig(tmp_path / "w.db", cfg).attach()
    await rig.result("db", DOWN)
    await rig.result("api", DOWN)
    assert await rig.round() == 1
    [payload] = sink.received
    assert [a["labels"]["monitor"] for a in payload["alerts"]] == ["db"]
    assert payload["alerts"][0]["annotations"]["suppressed_dependents"] == "api"
    rig.close()


async def test_group_wait_batches_alerts_of_one_group(tmp_path: Path, sink: HttpSink) -> None:
    mons = [monitor("a"), monitor("b")]
    route = {"group_by": ["alertname"], "group_wait": "10s"}
    rig = await Rig(tmp_path / "w.db", config(sink.url, mons, for_="0s", route=route)).attach()
    await rig.result("a", DOWN)
    assert await rig.round() == 0
    rig.clock.advance(5)
    await rig.result("b", DOWN)
    assert await rig.round() == 0
    rig.clock.advance(5)
    assert await rig.round() == 1
    [payload] = sink.received
    assert sorted(a["labels"]["monitor"] for a in payload["alerts"]) == ["a", "b"]
    assert payload["groupLabels"] == {"alertname": "Down"}
    rig.close()


def test_a_route_to_an_unknown_receiver_is_a_config_error(tmp_path: Path) -> None:
    from warden.alerting.service import AlertingService
    from warden.errors import ConfigError
    from warden.tables import open_store

    cfg = config("http://127.0.0.1:9/hook", [monitor("api")], route={"receiver": "nobody"})
    store = open_store(f"sqlite:///{tmp_path}/w.db")
    try:
        with pytest.raises(ConfigError, match=r"routes\[0\].receiver: no receiver 'nobody'"):
            AlertingService(cfg, store.engine)
    finally:
        store.close()


async def test_resolved_never_overtakes_its_firing(tmp_path: Path, sink: HttpSink) -> None:
    cfg = config(sink.url, [monitor("api")], for_="0s")
    rig = await Rig(tmp_path / "w.db", cfg).attach()
    sink.status = 503
    await rig.result("api", DOWN)
    await rig.round()  # firing queued, first attempt fails, retry in 10 s
    await rig.result("api", UP)
    rig.clock.advance(60)
    await rig.round()  # resolved queued behind it; firing retried and fails again
    sink.status = 200
    rig.clock.advance(30)
    assert await rig.round() == 2
    assert [p["status"] for p in sink.received] == ["firing", "resolved"]
    rig.close()


async def test_reload_takes_new_rules_and_keeps_firing_alerts(
    tmp_path: Path, sink: HttpSink
) -> None:
    cfg = config(sink.url, [monitor("api")], for_="0s")
    rig = await Rig(tmp_path / "w.db", cfg).attach()
    await rig.result("api", DOWN)
    assert await rig.round() == 1
    slow = {"name": "Slow", "check": {"value": "latency", "agg": "max", "threshold": 1.0}}
    data = cfg.model_dump(by_alias=True, exclude={"monitors"})
    data["alerts"] = [*data["alerts"], slow]
    data["alerting"]["query_interval"] = 0
    new = type(cfg).model_validate(data).model_copy(update={"monitors": cfg.monitors})
    await rig.app.reload(new)
    await rig.result("api", DOWN, latency=3.0)
    rig.clock.advance(1)
    assert await rig.round() == 1
    assert [p["commonLabels"]["alertname"] for p in sink.received] == ["Down", "Slow"]
    assert {a.rule for a in rig.service.evaluator.firing()} == {"Down", "Slow"}
    rig.close()


@pytest.mark.integration
async def test_one_evaluator_per_postgres_store(pg_database: str, sink: HttpSink) -> None:
    cfg = config(sink.url, [monitor("api")], for_="0s")
    first = await Rig(pg_database, cfg).attach()
    second = await Rig(pg_database, cfg, clock=first.clock).attach()
    assert first.service.is_leader
    assert not second.service.is_leader
    for rig in (first, second):
        await rig.result("api", DOWN)
    assert await first.round() == 1
    assert await second.round() == 0
    await first.service.stop()  # the leader goes away: the other takes over from the store
    first.close()
    second.clock.advance(30)
    await second.result("api", DOWN)
    assert await second.round() == 0
    assert second.service.is_leader
    assert [a.labels["monitor"] for a in second.service.evaluator.firing()] == ["api"]
    await second.result("api", UP)
    second.clock.advance(60)
    assert await second.round() == 1
    assert [p["status"] for p in sink.received] == ["firing", "resolved"]
    await second.service.stop()
    second.close()


async def test_reload_with_an_inserted_route_does_not_resend_firing_alerts(
    tmp_path: Path, sink: HttpSink
) -> None:
    cfg = config(sink.url, [monitor("api")], for_="0s")
    rig = await Rig(tmp_path / "w.db", cfg).attach()
    await rig.result("api", DOWN)
    assert await rig.round() == 1
    data = cfg.model_dump(by_alias=True, exclude={"monitors"})
    data["routes"] = [{"receiver": "ops", "matchers": ['team="db"']}, *data["routes"]]
    new = type(cfg).model_validate(data).model_copy(update={"monitors": cfg.monitors})
    await rig.app.reload(new)
    rig.clock.advance(120)  # past group_interval, well within repeat_interval
    await rig.result("api", DOWN)
    assert await rig.round() == 0
    assert len(sink.received) == 1
    rig.close()


async def test_groups_stored_under_position_keys_by_older_versions_are_kept(
    tmp_path: Path, sink: HttpSink
) -> None:
    from sqlalchemy import update

    from warden.alerting import tables as t

    cfg = config(sink.url, [monitor("api")], for_="0s")
    first = await Rig(tmp_path / "w.db", cfg).attach()
    await first.result("api", DOWN)
    assert await first.round() == 1
    [key] = first.service.groups
    receiver = cfg.routes[0].receiver
    inner = key[len(first.service.routes[0].ident) + 1 :]
    legacy = f"route0/{receiver}:{inner}"  # what an older Warden stored
    with first.store.engine.begin() as conn:
        conn.execute(update(t.alert_groups).values(group_key=legacy))
    first.close()

    second = await Rig(tmp_path / "w.db", cfg, clock=first.clock).attach()
    assert await second.round() == 0  # the upgrade does not re-notify
    assert list(second.service.groups) == [key]
    second.clock.advance(120)
    await second.result("api", DOWN)
    assert await second.round() == 0
    assert len(sink.received) == 1
    second.close()
