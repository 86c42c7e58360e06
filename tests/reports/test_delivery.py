"""Delivering the daily check: the full Markdown by e-mail to a real SMTP server (aiosmtpd),
the compact lines to a chat URL (Apprise json:// to a local sink), the JSON to a webhook and a
line to a file; and the ``warden up`` job built from the ``reports:`` section."""

from __future__ import annotations

import json
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import free_port
from tests.notify.sinks import HttpSink
from warden.config.schema import build_model
from warden.reports.delivery import build_jobs, deliver
from warden.tables import open_store

DATA: dict[str, Any] = {
    "schema": "warden.report.daily/v1", "from": "2026-12-03T08:00:00+00:00",
    "to": "2026-12-04T08:00:00+00:00", "status": "attention", "counts": {},
    "sections": {
        "alerts": {"status": "attention", "summary": "2 fired, 1 resolved, 1 firing now",
                   "how": None, "fired": 2, "resolved": 1, "firing_now": [], "by_rule": []},
        "audits": {"status": "no data", "summary": "no scheduled audits",
                   "how": "add an `audits:` section (docs/audit.md)"},
    },
}  # fmt: skip


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[_Inbox, int]]:
    inbox, port = _Inbox(), free_port()
    ctl = Controller(inbox, hostname="127.0.0.1", port=port)
    ctl.start()
    yield inbox, port
    ctl.stop()


@pytest.mark.integration
async def test_each_target_gets_its_form(smtp: tuple[_Inbox, int], tmp_path: Path) -> None:
    inbox, port = smtp
    chat, hook = HttpSink(), HttpSink()
    await chat.start()
    await hook.start()
    try:
        cfg = build_model().model_validate({"receivers": [{
            "name": "team",
            "apprise": [f"mailto://127.0.0.1:{port}?from=w@example.com&to=o@example.com",
                        f"json://127.0.0.1:{chat.port}/chat"],
            "webhook": [{"url": hook.url}],
            "file": [{"path": str(tmp_path / "reports.jsonl")}],
        }]})  # fmt: skip
        errors = await deliver(DATA, cfg.receivers[0])
    finally:
        await chat.stop()
        await hook.stop()
    assert errors == []
    (raw,) = inbox.messages
    mail = message_from_bytes(raw)
    assert mail["Subject"] == "Warden daily check: attention"
    text = raw.decode(errors="replace")
    assert "Alerts: 2 fired" in text
    assert "No data: add an" in text  # the full form: the way to get data
    (posted,) = chat.received
    assert posted["message"].splitlines()[0].startswith("Daily check 2026-12-04: attention")
    assert "No data" not in posted["message"]  # the compact form: one line per section
    assert hook.received == [DATA]
    line = json.loads((tmp_path / "reports.jsonl").read_text())
    assert line["report"]["status"] == "attention"


async def test_the_job_sends_to_a_known_receiver(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/w.db")
    try:
        ok = build_model().model_validate({
            "receivers": [{"name": "team", "file": [{"path": str(tmp_path / "r.jsonl")}]}],
            "reports": {"daily": {"receiver": "team", "schedule": "0 8 * * *"}},
        })  # fmt: skip
        (job,) = build_jobs(ok, store)
        assert (job.name, job.cron) == ("report:daily", "0 8 * * *")
        outcome = await job.run()
        assert outcome.ok, outcome.message
        sent = json.loads((tmp_path / "r.jsonl").read_text())
        assert sent["report"]["schema"] == "warden.report.daily/v1"
        unknown = ok.model_copy(update={"receivers": []})
        assert build_jobs(unknown, store) == []
    finally:
        store.close()
    with pytest.raises(ValueError, match="not a cron expression"):
        build_model().model_validate({"reports": {"daily": {"receiver": "x", "schedule": "soon"}}})


async def test_the_weekly_job_sends_the_scorecard(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/w.db")
    hook = HttpSink()
    await hook.start()
    try:
        cfg = build_model().model_validate({
            "receivers": [{"name": "team", "file": [{"path": str(tmp_path / "r.jsonl")}],
                           "webhook": [{"url": hook.url}]}],
            "reports": {"daily": {"receiver": "team"}, "weekly": {"receiver": "team"}},
        })  # fmt: skip
        daily, weekly = build_jobs(cfg, store)
        assert (daily.name, weekly.name, weekly.cron) == (
            "report:daily",
            "report:weekly",
            "0 8 * * 1",
        )
        outcome = await weekly.run()
        assert outcome.ok, outcome.message
        assert "/7) sent to team" in outcome.message
        line = json.loads((tmp_path / "r.jsonl").read_text())
        assert line["kind"] == "report.weekly"
        assert line["report"]["this_week"]["out_of"] == 7
        assert hook.received[0]["schema"] == "warden.report.weekly/v1"
        wrong = build_model().model_validate({
            "receivers": [{"name": "team", "file": [{"path": str(tmp_path / "r.jsonl")}]}],
            "reports": {"daily": {"receiver": "team"}, "weekly": {"receiver": "nobody"}},
        })  # fmt: skip
        assert [j.name for j in build_jobs(wrong, store)] == ["report:daily"]
    finally:
        await hook.stop()
        store.close()
