"""The three faces of ``diagnose`` share one answer: ``warden diagnose`` (terminal, --json,
--markdown, exit codes) and ``GET /api/v1/diagnose/{monitor}`` (viewer)."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.diagnose.conftest import STEP, T0
from tests.web.conftest import Site, monitors
from warden.cli.main import app
from warden.config.schema import EngineConfig, WardenConfig
from warden.results import CheckResult, Status
from warden.tables import open_store
from warden.web.users import Role

runner = CliRunner()
SINCE, UNTIL = "2025-12-05T02:00:00Z", "2025-12-05T02:40:00Z"  # T0 and 40 minutes later


def _slow(store: Any, monitor: str) -> None:
    """ttfb from ~10 ms to ~190 ms at minute 20 of 40."""
    rng = random.Random(4)
    results = []
    for i in range(40):
        ttfb = (0.19 if i >= 20 else 0.01) * rng.uniform(0.9, 1.1)
        results.append(CheckResult(monitor, Status.UP, ttfb + 0.01, T0 + i * STEP,
                                   phases={"connect": 0.01, "ttfb": ttfb}))  # fmt: skip
    store.write(results)


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "warden.yaml"
    path.write_text(
        f'store:\n  url: "sqlite:///{tmp_path}/w.db"\n'
        "monitors:\n  - name: api\n    http: {url: 'http://127.0.0.1:9/?token=s3cret'}\n",
        encoding="utf-8",
    )
    store = open_store(f"sqlite:///{tmp_path}/w.db")
    try:
        _slow(store, "api")
    finally:
        store.close()
    return path


def _run(config: Path, *args: str) -> Any:
    return runner.invoke(app, ["diagnose", *args, "-c", str(config)])


def test_cli_json_markdown_and_text(config_file: Path) -> None:
    got = _run(config_file, "api", "--since", SINCE, "--until", UNTIL, "--json")
    assert got.exit_code == 0, got.stderr
    doc = json.loads(got.stdout)
    assert doc["schema"] == "warden.diagnose/v1"
    assert doc["onset"] == T0 + 20 * STEP
    assert doc["hypotheses"][0]["kind"] == "ttfb"
    assert "s3cret" not in got.stdout
    md = _run(config_file, "api", "--since", SINCE, "--until", UNTIL, "--markdown")
    assert md.exit_code == 0, md.stderr
    assert md.stdout.startswith("# Diagnosis of api\n")
    assert "## 1. the server takes longer to answer" in md.stdout
    assert "## Next actions" in md.stdout
    text = _run(config_file, "api", "--since", SINCE, "--until", UNTIL)
    assert text.exit_code == 0, text.stderr
    assert "ttfb p50 rose from" in text.stdout


def test_cli_refuses_bad_input_with_exit_2(config_file: Path) -> None:
    unknown = _run(config_file, "nope")
    assert unknown.exit_code == 2
    assert "no monitor named 'nope' (known: api)" in unknown.stderr
    both = _run(config_file, "api", "--json", "--markdown")
    assert both.exit_code == 2
    assert _run(config_file, "api", "--since", "soon").exit_code == 2


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Site]:
    store = open_store(f"sqlite:///{tmp_path}/web.db")
    cfg = WardenConfig(monitors=list(monitors("api")), engine=EngineConfig(jitter=0))
    try:
        yield Site(store, cfg)
    finally:
        store.close()


async def test_api_answers_the_same_json(web: Site) -> None:
    _slow(web.store, "api")
    window = {"since": T0, "until": T0 + 40 * STEP}
    async with web.client(Role.VIEWER) as viewer, web.client() as anonymous:
        got = await viewer.get("/api/v1/diagnose/api", params=window)
        assert got.status_code == 200, got.text
        body = got.json()
        assert body["onset"] == T0 + 20 * STEP
        assert body["hypotheses"][0]["kind"] == "ttfb"
        missing = await viewer.get("/api/v1/diagnose/nope", params=window)
        assert missing.status_code == 404
        assert "no monitor named 'nope'" in missing.text
        month = {"since": T0 - 40 * 86400, "until": T0}
        assert (await viewer.get("/api/v1/diagnose/api", params=month)).status_code == 400
        assert (await anonymous.get("/api/v1/diagnose/api")).status_code == 401
