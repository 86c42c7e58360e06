"""The alert page every notification links to (``generatorURL``) and its API twin."""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.web.conftest import Site
from warden.alerting.config import RouteConfig
from warden.alerting.model import Alert, AlertState, fingerprint
from warden.alerting.muting import Muting
from warden.alerting.routing import Route, plan
from warden.alerting.storage import AlertRepository
from warden.notify.outbox import Outbox
from warden.web.users import Role

T0 = 1_700_000_000.0


def _firing(monitor: str) -> Alert:
    labels = {"alertname": "Down", "monitor": monitor, "severity": "critical"}
    annotations = {"summary": f"{monitor} is down", "runbook_url": "https://runbooks.test/down"}
    return Alert(
        fingerprint(labels), "Down", "critical", AlertState.FIRING, labels, annotations,
        active_since=T0 - 30, starts_at=T0,
    )  # fmt: skip


def _notify(site: Site, alert: Alert) -> str:
    """Queue and deliver the notification of ``alert``; returns its generatorURL."""
    repo = AlertRepository(site.store.engine)
    repo.save_alerts([alert])
    routes = Route.build([RouteConfig(receiver="ops")])
    [commit] = plan(
        routes, {"ops": ["file:0"]}, [alert], {}, Muting([], []), T0, "http://127.0.0.1:9999"
    )
    repo.commit_group(commit.state, commit.key, commit.outgoing, T0)
    outbox = Outbox(site.store.engine)
    [entry] = outbox.pending()
    outbox.mark_sent(entry.id, T0 + 1)
    url: str = entry.payload["alerts"][0]["generatorURL"]
    return url


async def test_the_link_in_a_notification_opens_the_alert_page(site: Site) -> None:
    alert = _firing("api")
    url = _notify(site, alert)
    other = _notify(site, _firing("db"))
    assert urlsplit(url).path == f"/alerts/{alert.fingerprint}"
    async with site.client(Role.VIEWER) as c:
        page = await c.get(urlsplit(url).path)
        api = (await c.get(f"/api/v1/alerts/{alert.fingerprint}")).json()
        missing = await c.get("/alerts/0123456789abcdef")
        missing_api = await c.get("/api/v1/alerts/0123456789abcdef")
    assert page.status_code == 200
    assert "api is down" in page.text
    assert "https://runbooks.test/down" in page.text
    assert "firing notification sent to ops (file:0)" in page.text
    assert missing.status_code == 404
    assert missing_api.status_code == 404
    assert api["alert"]["fingerprint"] == alert.fingerprint
    assert api["runbook_url"] == "https://runbooks.test/down"
    assert [h["text"] for h in api["history"]] == [
        "pending",
        "firing",
        "firing notification sent to ops (file:0)",
    ]
    assert other not in str(api["history"])
    assert api["silences"] == []
    assert api["silence_matchers"] == ['alertname="Down"', 'monitor="api"']


async def test_silencing_from_the_alert_page_shows_it_muted(site: Site) -> None:
    alert = _firing("api")
    _notify(site, alert)
    async with site.client(Role.OPERATOR) as c:
        before = (await c.get(f"/api/v1/alerts/{alert.fingerprint}")).json()
        body = {"matchers": before["silence_matchers"], "duration_seconds": 3600, "comment": "x"}
        assert (await c.post("/api/v1/silences", json=body)).status_code == 201
        after = (await c.get(f"/api/v1/alerts/{alert.fingerprint}")).json()
        page = await c.get(f"/alerts/{alert.fingerprint}")
    assert before["alert"]["muted"] is False
    assert after["alert"]["muted"] is True
    assert after["alert"]["muted_reason"].startswith("silenced by")
    [silence] = after["silences"]
    assert silence["matchers"] == before["silence_matchers"]
    assert "muted: silenced by" in page.text
    assert "Silence this alert" in page.text
