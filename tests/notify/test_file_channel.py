"""The ``file`` channel: one JSON line per notification in a local file, offline."""

from __future__ import annotations

import json
from pathlib import Path

from tests.notify.test_channels import alert
from warden.alerting.config import FileTarget
from warden.config import parse_config
from warden.notify.channels.file import FileChannel
from warden.notify.payload import webhook_payload


def _payload() -> dict[str, object]:
    return webhook_payload(
        receiver="log",
        group_key="g",
        group_labels={"alertname": "Down"},
        alerts=[alert()],
        external_url="http://w",
    )


async def test_appends_one_json_line_per_notification(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "alerts.jsonl"
    channel = FileChannel(FileTarget(path=path))
    payload = _payload()
    assert (await channel.send(payload, "k1")).ok
    assert (await channel.send(payload, "k2")).ok
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    assert [x["dedupKey"] for x in lines] == ["k1", "k2"]
    assert lines[0]["alerts"][0]["labels"]["monitor"] == "api"
    assert channel.describe() == f"file {path}"


async def test_write_error_is_a_failed_delivery(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    channel = FileChannel(FileTarget(path=blocker / "alerts.jsonl"))
    payload = _payload()
    result = await channel.send(payload, "k")
    assert not result.ok
    assert "cannot write" in result.error


def test_receiver_takes_file_targets() -> None:
    cfg = parse_config(
        "receivers:\n  - name: log\n    file: [{path: alerts.jsonl}]\nroutes:\n  - receiver: log\n",
        "w.yaml",
        {},
    )
    assert cfg.receivers[0].file[0].path == Path("alerts.jsonl")
