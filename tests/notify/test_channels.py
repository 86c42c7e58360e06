"""Channels against real receivers on loopback: SMTP (via Apprise), Alertmanager, an HTTP sink."""

from __future__ import annotations

import pkgutil
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import free_port
from tests.notify.sinks import ALERTMANAGER, HttpSink, alertmanager, am_alerts
from warden.alerting.config import AlertmanagerTarget, WebhookTarget
from warden.alerting.model import Alert, AlertState
from warden.config._types import SecretUrl
from warden.notify import channels
from warden.notify.channels.alertmanager import AlertmanagerChannel
from warden.notify.channels.apprise import AppriseChannel
from warden.notify.channels.webhook import WebhookChannel
from warden.notify.payload import webhook_payload

NOW = 1_700_000_000.0


def alert(state: AlertState = AlertState.FIRING, monitor: str = "api") -> Alert:
    labels = {"alertname": "Down", "monitor": monitor, "severity": "critical"}
    return Alert(
        f"fp{monitor}",
        "Down",
        "critical",
        state,
        labels,
        {"summary": f"{monitor} is down"},
        starts_at=NOW,
        ends_at=NOW + 60 if state is AlertState.RESOLVED else None,
    )


def payload(state: AlertState = AlertState.FIRING) -> dict[str, Any]:
    return webhook_payload(
        receiver="ops",
        group_key="route0/ops:{}",
        group_labels={"alertname": "Down"},
        alerts=[alert(state)],
        external_url="http://warden.test",
    )


def test_every_channel_module_is_registered() -> None:
    modules = [
        m.name for m in pkgutil.iter_modules(channels.__path__) if not m.name.startswith("_")
    ]
    channels.load_all()
    assert sorted(modules) == sorted(channels.REGISTRY)


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[_Inbox, int]]:
    inbox = _Inbox()
    port = free_port()
    ctl = Controller(inbox, hostname="127.0.0.1", port=port)
    ctl.start()
    yield inbox, port
    ctl.stop()


@pytest.mark.integration
async def test_apprise_mailto_delivers_to_an_smtp_server(smtp: tuple[_Inbox, int]) -> None:
    inbox, port = smtp
    url = f"mailto://127.0.0.1:{port}?from=warden@example.com&to=oncall@example.com"
    result = await AppriseChannel(SecretUrl(url)).send(payload(), "k1")
    assert result.ok, result.error
    [raw] = inbox.messages
    msg = message_from_bytes(raw)
    assert "[FIRING:1] Down" in msg["Subject"]
    assert "oncall@example.com" in msg["To"]


async def test_apprise_failure_is_data_and_hides_the_password() -> None:
    port = free_port()  # nothing listens there
    url = f"mailto://bob:hunter2@127.0.0.1:{port}?from=w@example.com&to=o@example.com"
    ch = AppriseChannel(SecretUrl(url))
    result = await ch.send(payload(), "k1")
    assert not result.ok
    assert result.retryable
    assert "hunter2" not in result.error
    assert "hunter2" not in ch.describe()


async def test_webhook_4xx_is_not_retried_5xx_is() -> None:
    sink = HttpSink()
    await sink.start()
    ch = WebhookChannel(WebhookTarget(url=SecretUrl(sink.url)))
    try:
        sink.status = 400
        refused = await ch.send(payload(), "k")
        sink.status = 502
        down = await ch.send(payload(), "k")
    finally:
        await sink.stop()
    assert not refused.ok
    assert not refused.retryable
    assert not down.ok
    assert down.retryable


@pytest.mark.integration
@pytest.mark.skipif(ALERTMANAGER is None, reason="prometheus-alertmanager is not installed")
async def test_push_to_a_real_alertmanager(tmp_path: Path) -> None:
    with alertmanager(tmp_path) as url:
        ch = AlertmanagerChannel(AlertmanagerTarget(url=SecretUrl(url)))
        result = await ch.send(payload(), "k1")
        assert result.ok, result.error
        [seen] = am_alerts(url)
        assert seen["labels"]["alertname"] == "Down"
        assert seen["labels"]["monitor"] == "api"
        assert seen["annotations"]["summary"] == "api is down"
        assert seen["status"]["state"] == "active"
        resolved = await ch.send(payload(AlertState.RESOLVED), "k2")
        assert resolved.ok, resolved.error
        assert am_alerts(url) == []  # endsAt in the past: no longer active


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "https://hooks.example.com/services/T0/B0/s3cr3t",
            "webhook https://hooks.example.com/***",
        ),
        ("http://user:pw@127.0.0.1:9000", "webhook http://127.0.0.1:9000"),
    ],
)
def test_webhook_descriptions_hide_secrets(url: str, shown: str) -> None:
    assert WebhookChannel(WebhookTarget(url=SecretUrl(url))).describe() == shown


async def test_webhook_max_alerts_truncates() -> None:
    sink = HttpSink()
    await sink.start()
    body = webhook_payload(
        receiver="ops",
        group_key="g",
        group_labels={},
        alerts=[alert(monitor=f"m{i}") for i in range(5)],
        external_url="x",
    )
    try:
        ch = WebhookChannel(WebhookTarget(url=SecretUrl(sink.url), max_alerts=2))
        result = await ch.send(body, "k")
    finally:
        await sink.stop()
    assert result.ok
    [got] = sink.received
    assert len(got["alerts"]) == 2
    assert got["truncatedAlerts"] == 3


@pytest.mark.integration
async def test_per_receiver_templates_shape_the_email(smtp: tuple[_Inbox, int]) -> None:
    from warden.alerting.config import ReceiverConfig
    from warden.alerting.service import build_channels
    from warden.config.schema import WardenConfig

    inbox, port = smtp
    url = f"mailto://127.0.0.1:{port}?from=warden@example.com&to=oncall@example.com"
    receiver = {
        "name": "mail",
        "apprise": [url],
        "templates": {
            "title": "{{ status | upper }}: {{ commonLabels.alertname }} on "
            "{{ firing | map(attribute='labels.monitor') | join(', ') }}",
            "body": "{% for a in firing %}{{ a.annotations.summary }} {{ a.generatorURL }}"
            "{% endfor %}",
        },
    }
    cfg = WardenConfig.model_validate({"receivers": [receiver]})
    assert isinstance(cfg.receivers[0], ReceiverConfig)
    [channel] = build_channels(cfg)["mail"].values()
    result = await channel.send(payload(), "k1")
    assert result.ok, result.error
    msg = message_from_bytes(inbox.messages[0])
    assert msg["Subject"] == "FIRING: Down on api"
    texts = [p.get_payload(decode=True) for p in msg.walk() if not p.is_multipart()]
    assert any(b"api is down http://warden.test/alerts/fpapi" in t for t in texts if t)


@pytest.mark.parametrize(
    ("template", "message"),
    [("{{ comonLabels.alertname }}", "comonLabels"), ("{% for a in firing %}", "template error")],
)
def test_a_broken_template_is_refused_at_load(template: str, message: str) -> None:
    from pydantic import ValidationError

    from warden.alerting.config import ReceiverConfig

    with pytest.raises(ValidationError, match=message):
        ReceiverConfig.model_validate({"name": "x", "templates": {"title": template}})
