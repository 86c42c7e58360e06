"""``warden export``: API-managed objects back to YAML that validates to the same objects."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from warden.cli.main import app
from warden.config.loader import load_config
from warden.managed.service import effective
from warden.managed.storage import ManagedRepository
from warden.tables import open_store

runner = CliRunner()

BODIES: list[dict[str, Any]] = [
    {
        "name": "shop",
        "interval": "30s",
        "group": "web",
        "labels": {"team": "a"},
        "http": {
            "url": "http://127.0.0.1:9/health",
            "expect": {"status": "2xx", "body_contains": "ok"},
        },
    },
    {"name": "beat", "heartbeat": {"grace": "1m", "token": "literal-secret-1"}},
    {"name": "beat2", "heartbeat": {"grace": "1m", "token": "${BEAT2_TOKEN}"}},
    {"name": "db", "interval": "1m", "tcp": {"host": "127.0.0.1", "port": 5432}},
]


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.setenv("BEAT2_TOKEN", "from-the-env")
    cfg = tmp_path / "warden.yaml"
    cfg.write_text(f"store:\n  url: sqlite:///{tmp_path}/w.db\n")
    store = open_store(f"sqlite:///{tmp_path}/w.db")
    repo = ManagedRepository(store.engine)
    for body in BODIES:
        repo.create("monitors", body["name"], body, "test", 0.0)
    repo.set_paused("db", True, "test", 0.0)
    store.close()
    return cfg, tmp_path / "exported.yaml"


def _api_monitors(cfg: Path) -> list[dict[str, Any]]:
    config = load_config(cfg)
    store = open_store(config.store.url.get_secret_value())
    try:
        merged = effective(config, ManagedRepository(store.engine).snapshot())
    finally:
        store.close()
    return [_plain(m) for m in merged.monitors]


def _plain(m: Any) -> dict[str, Any]:
    out = m.model_dump()
    cfg = out[m.probe_type()]
    if "token" in cfg and cfg["token"] is not None:
        cfg["token"] = cfg["token"].get_secret_value()
    return out


def test_export_validate_round_trip(
    setup: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg, out = setup
    got = runner.invoke(app, ["export", "monitors", "-c", str(cfg), "-o", str(out)])
    assert got.exit_code == 0, got.output
    text = out.read_text()
    assert "literal-secret-1" not in text  # a literal secret becomes a reference ...
    assert "${WARDEN_BEAT_HEARTBEAT_TOKEN}" in text
    assert "${BEAT2_TOKEN}" in text  # ... and a reference stays one
    assert "WARDEN_BEAT_HEARTBEAT_TOKEN" in got.stderr
    monkeypatch.setenv("WARDEN_BEAT_HEARTBEAT_TOKEN", "literal-secret-1")
    checked = runner.invoke(app, ["validate", str(out)])
    assert checked.exit_code == 0, checked.output
    exported = load_config(out)
    assert [_plain(m) for m in exported.monitors] == _api_monitors(cfg)
    assert exported.monitor("db").enabled is False  # paused: off in the file too


def test_export_with_secrets_and_json(setup: tuple[Path, Path]) -> None:
    cfg, out = setup
    got = runner.invoke(app, ["export", "monitors", "-c", str(cfg), "--with-secrets", "--json"])
    assert got.exit_code == 0, got.output
    doc = json.loads(got.stdout)
    assert doc["schema"] == "warden.export/v1"
    assert doc["count"] == 4
    assert doc["secrets"] == []
    assert "literal-secret-1" in doc["yaml"]
    assert "${BEAT2_TOKEN}" in doc["yaml"]  # a reference is never resolved
    out.write_text(doc["yaml"])
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0


def test_export_of_nothing_is_an_empty_valid_section(tmp_path: Path) -> None:
    cfg = tmp_path / "warden.yaml"
    cfg.write_text(f"store:\n  url: sqlite:///{tmp_path}/w.db\n")
    out = tmp_path / "pages.yaml"
    got = runner.invoke(app, ["export", "status-pages", "-c", str(cfg), "-o", str(out)])
    assert got.exit_code == 0, got.output
    assert "status_pages: []" in out.read_text()
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0


def test_status_json_marks_the_source(setup: tuple[Path, Path]) -> None:
    cfg, _ = setup
    cfg.write_text(
        cfg.read_text() + "monitors:\n  - name: y\n    tcp: {host: 127.0.0.1, port: 9}\n"
    )
    got = runner.invoke(app, ["status", "-c", str(cfg), "--json"])
    assert got.exit_code == 0, got.output
    rows = {r["monitor"]: r["source"] for r in json.loads(got.stdout)["monitors"]}
    assert rows == {"y": "yaml", "shop": "api", "beat": "api", "beat2": "api", "db": "api"}
