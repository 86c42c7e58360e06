"""``warden audit ...`` as a user runs it: output formats, --fail-on and exit codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from audit._servers import redis_server
from warden.cli.main import app

runner = CliRunner()


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    with redis_server(tmp_path) as url:  # no maxmemory, no persistence: two low findings
        yield url


@pytest.mark.integration
def test_json_output(redis_url: str) -> None:
    result = runner.invoke(app, ["audit", "redis", redis_url, "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["schema"] == "warden.audit/v1"
    assert doc["kind"] == "redis"
    assert {f["id"] for f in doc["findings"]} == {"redis.maxmemory_unset", "redis.persistence_off"}
    assert all(f["severity"] == "low" for f in doc["findings"])


@pytest.mark.integration
@pytest.mark.parametrize(("fail_on", "code"), [("low", 1), ("medium", 0), ("critical", 0)])
def test_fail_on(redis_url: str, fail_on: str, code: int) -> None:
    result = runner.invoke(app, ["audit", "redis", redis_url, "--fail-on", fail_on, "--json"])
    assert result.exit_code == code, result.output


@pytest.mark.integration
def test_markdown_and_terminal_output(redis_url: str) -> None:
    md = runner.invoke(app, ["audit", "redis", redis_url, "--markdown"])
    assert md.exit_code == 0, md.output
    assert md.stdout.startswith("## redis audit of ")
    assert "| redis.maxmemory_unset | server memory | maxmemory is not set |" in md.stdout
    text = runner.invoke(app, ["audit", "redis", redis_url])
    assert text.exit_code == 0
    assert "LOW" in text.stdout
    assert "maxmemory is not set" in text.stdout


@pytest.mark.integration
def test_threshold_option_changes_a_limit(redis_url: str) -> None:
    args = ["audit", "redis", redis_url, "--json", "-t", "redis.memory.unset_system_ratio=0"]
    doc = json.loads(runner.invoke(app, args).stdout)
    unset = next(f for f in doc["findings"] if f["id"] == "redis.maxmemory_unset")
    assert unset["severity"] == "medium"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["mysql", "http://x"], "mysql target must start with"),
        (["redis", "redis://127.0.0.1:1/0", "--json", "--markdown"], "not both"),
        (["redis", "redis://127.0.0.1:1/0", "--fail-on", "urgent"], "unknown severity"),
        (["redis", "redis://127.0.0.1:1/0", "-t", "redis.nope.x=1"], "no check 'redis.nope'"),
        (["redis", "redis://127.0.0.1:1/0", "-t", "pg.sequences.high_ratio=1"], "not a redis"),
        (["redis", "redis://127.0.0.1:1/0", "-t", "redis.memory.medium_ratio"], "CHECK.NAME"),
        (["postgres", "postgresql://x/y", "--machine-memory", "lots"], "--machine-memory"),
    ],
)
def test_bad_input_exits_2(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["audit", *args])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.stderr.split())


def test_unreachable_target_exits_1_without_secrets() -> None:
    result = runner.invoke(
        app, ["audit", "redis", "redis://:s3cret@127.0.0.1:1/0", "--timeout", "2"]
    )
    assert result.exit_code == 1
    assert "audit could not run" in result.stderr
    assert "s3cret" not in result.output
    assert "s3cret" not in result.stderr


def test_help_lists_the_kinds() -> None:
    result = runner.invoke(app, ["audit", "--help"])
    assert result.exit_code == 0
    for kind in ("web", "tls", "postgres", "mysql", "redis"):
        assert kind in result.stdout
