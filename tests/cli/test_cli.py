"""The CLI as a user runs it: exit codes, located errors, JSON shapes, the schema, init."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from warden.cli.main import app

runner = CliRunner()
EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.yaml"))


@pytest.fixture
def listener() -> Iterator[int]:
    """A TCP port that accepts connections while the test runs."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    yield sock.getsockname()[1]
    sock.close()


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_examples_validate(example: Path) -> None:
    result = runner.invoke(app, ["validate", str(example)])
    assert result.exit_code == 0, result.output
    assert "ok" in result.output


def test_validate_reports_line_and_key(tmp_path: Path) -> None:
    cfg = tmp_path / "warden.yaml"
    cfg.write_text("monitors:\n  - name: a\n    tcp: {host: 127.0.0.1, port: 99999}\n")
    result = runner.invoke(app, ["validate", str(cfg)])
    assert result.exit_code == 2
    assert f"{cfg}:3: monitors[0].tcp.port:" in result.output


def test_validate_json_shape(tmp_path: Path) -> None:
    cfg = tmp_path / "warden.yaml"
    cfg.write_text("engine:\n  concurrency: -1\n")
    result = runner.invoke(app, ["validate", str(cfg), "--json"])
    doc = json.loads(result.stdout)
    assert result.exit_code == 2
    assert doc["schema"] == "warden.validate/v1"
    assert doc["valid"] is False
    assert doc["issues"][0]["line"] == 2
    assert doc["issues"][0]["path"] == "engine.concurrency"


def test_schema_is_json_schema_with_every_probe_type() -> None:
    result = runner.invoke(app, ["schema"])
    doc = json.loads(result.stdout)
    assert doc["$schema"].endswith("2020-12/schema")
    monitor = doc["$defs"]["Monitor"]["properties"]
    for probe in ("http", "tcp", "dns", "tls", "postgres", "mysql", "redis", "rabbitmq", "command"):
        assert probe in monitor


def test_check_json_and_exit_code(tmp_path: Path, listener: int) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    cfg = tmp_path / "warden.yaml"
    cfg.write_text(
        "monitors:\n"
        f"  - name: open\n    tcp: {{host: 127.0.0.1, port: {listener}}}\n"
        f"  - name: closed\n    tcp: {{host: 127.0.0.1, port: {closed}}}\n"
    )
    result = runner.invoke(app, ["check", "open", "-c", str(cfg), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["schema"] == "warden.check/v1"
    assert doc["results"][0]["status"] == "up"
    assert "connect" in doc["results"][0]["phases"]

    result = runner.invoke(app, ["check", "--all", "-c", str(cfg), "--json"])
    assert result.exit_code == 1
    by_name = {r["monitor"]: r for r in json.loads(result.stdout)["results"]}
    assert by_name["closed"]["status"] == "down"
    assert by_name["closed"]["error"] == "refused"


def test_check_unknown_monitor(tmp_path: Path) -> None:
    cfg = tmp_path / "warden.yaml"
    cfg.write_text("monitors: []\n")
    result = runner.invoke(app, ["check", "nope", "-c", str(cfg)])
    assert result.exit_code == 2
    assert "no monitor named 'nope'" in result.output


def test_status_from_empty_store(tmp_path: Path, listener: int) -> None:
    cfg = tmp_path / "warden.yaml"
    cfg.write_text(
        f"store: {{url: 'sqlite:///{tmp_path}/w.db'}}\n"
        f"monitors:\n  - name: open\n    tcp: {{host: 127.0.0.1, port: {listener}}}\n"
    )
    result = runner.invoke(app, ["status", "-c", str(cfg), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["monitors"] == [
        {
            "monitor": "open",
            "type": "tcp",
            "group": "default",
            "source": "yaml",
            "status": "unknown",
            "since": None,
            "last_check": None,
            "latency": None,
            "error": None,
            "message": "",
            "stale": False,
        }
    ]
    assert doc["checks_running"] is False
    assert doc["last_check"] is None


@pytest.mark.integration
def test_init_discovers_local_services(tmp_path: Path) -> None:
    out = tmp_path / "warden.yaml"
    result = runner.invoke(app, ["init", "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    kinds = {f["kind"] for f in json.loads(result.stdout)["found"]}
    assert {"postgres", "mysql", "redis", "rabbitmq"} <= kinds
    check = runner.invoke(app, ["validate", str(out)])
    assert check.exit_code == 0, check.output
    again = runner.invoke(app, ["init", "-o", str(out)])
    assert again.exit_code == 2


def test_help_runs_without_heavy_imports() -> None:
    code = (
        "import sys; from warden.cli.main import app; "
        "heavy = [m for m in ('sqlalchemy', 'apprise', 'psycopg', 'boto3') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_validate_several_files_and_what_they_hold(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(
        "monitors:\n  - name: a\n    tcp: {host: 127.0.0.1, port: 1}\n"
        "receivers:\n  - name: log\n    webhook: [{url: 'http://127.0.0.1:9/'}]\n"
        "routes:\n  - receiver: log\n"
        "slos:\n  - name: a-slo\n    objective: 99\n    monitors: [a]\n"
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text("monitors:\n  - name: a\n    tcp: {host: h, port: 0}\n  - name: a\n    dns: 3\n")
    backups = Path(__file__).parents[2] / "examples" / "backups.yaml"
    result = runner.invoke(app, ["validate", str(good), str(bad), str(backups)])
    assert result.exit_code == 2
    assert f"ok: {good}: 1 monitor, 1 receiver, 1 route, 1 SLO" in result.stdout
    assert f"ok: {backups}: 3 backups" in result.stdout
    assert f"{bad}:4: monitors[1].name: 'a' is already used by monitors[0]" in result.stderr
    assert f"{bad}:3: monitors[0].tcp.port" in result.stderr
    doc = json.loads(runner.invoke(app, ["validate", str(good), str(backups), "--json"]).stdout)
    assert doc["valid"] is True
    assert [f["file"] for f in doc["files"]] == [str(good), str(backups)]
    assert doc["files"][0]["counts"]["receivers"] == 1
    assert doc["files"][1]["counts"]["backups"] == 3
    assert doc["counts"]["slos"] == 1
    assert doc["monitors"] == 1


def test_commands_find_the_config_the_same_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("WARDEN_CONFIG", raising=False)
    for args in (["status"], ["validate"], ["user", "list"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, args
        assert "looked in ./warden.yaml, ./warden.yml" in result.output, args
    cfg = tmp_path / "elsewhere.yaml"
    cfg.write_text(f"store:\n  url: sqlite:///{tmp_path}/w.db\n")
    monkeypatch.setenv("WARDEN_CONFIG", str(cfg))
    for args in (["status", "--json"], ["validate"], ["user", "list", "--json"]):
        assert runner.invoke(app, args).exit_code == 0, args
