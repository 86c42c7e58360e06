"""``warden cost`` end to end: ingest with its exit codes and messages, report as JSON,
Markdown and HTML, the exit code of a month with an anomaly, and generate."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from warden.cli.main import app as CLI


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "warden.yaml"
    path.write_text(
        f"store:\n  url: sqlite:///{tmp_path}/w.db\ncost:\n  budgets:\n"
        "    - {tag: team, value: shop, monthly: 100000}\n"
    )
    return path


def test_generate_ingest_and_report(tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    run = CliRunner()
    made = run.invoke(
        CLI,
        [
            "cost",
            "generate",
            str(tmp_path / "in" / "f.csv.gz"),
            "--months",
            "4",
            "--version",
            "1.1",
        ],
    )
    assert made.exit_code == 0, made.output
    got = run.invoke(CLI, ["cost", "ingest", str(tmp_path / "in"), "-c", str(cfg), "--json"])
    assert got.exit_code == 0, got.output
    doc = json.loads(got.stdout)
    assert doc["schema"] == "warden.cost.ingest/v1"
    assert doc["files"][0]["status"] == "ingested"
    assert (tmp_path / "w-cost" / "manifest.json").exists()  # beside the SQLite store
    again = run.invoke(CLI, ["cost", "ingest", str(tmp_path), "-c", str(cfg)])
    assert again.exit_code == 0
    assert "unchanged" in again.stdout

    april = run.invoke(CLI, ["cost", "report", "-c", str(cfg), "--json"])
    assert april.exit_code == 0, april.output
    data = json.loads(april.stdout)
    assert data["schema"] == "warden.cost/v1"
    assert data["month"] == "2025-04"
    march = run.invoke(
        CLI, ["cost", "report", "-c", str(cfg), "--month", "2025-03", "--format", "markdown"]
    )
    assert march.exit_code == 1  # the CDN spike
    assert "## Opportunities" in march.stdout
    assert "## Anomalies" in march.stdout
    page = tmp_path / "cost.html"
    html = run.invoke(CLI, ["cost", "report", "-c", str(cfg), "--format", "html", "-o", str(page)])
    assert html.exit_code == 0, html.output
    text = page.read_text()
    assert "WardenCost.bars" in text
    assert "uPlot" in text
    assert "http://" not in text.split("<body>")[1]
    text_out = run.invoke(CLI, ["cost", "report", "-c", str(cfg)])
    assert "Current state." in text_out.stdout


def test_bad_input_exits_2(tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    (tmp_path / "bad.csv").write_text("BilledCost,EffectiveCost\n1,2\n")
    run = CliRunner()
    got = run.invoke(CLI, ["cost", "ingest", str(tmp_path / "bad.csv"), "-c", str(cfg)])
    assert got.exit_code == 2
    assert "not a FOCUS export: missing BillingCurrency" in got.output
    none = run.invoke(CLI, ["cost", "ingest", "-c", str(cfg)])
    assert none.exit_code == 2
    assert "cost.sources" in none.output
    month = run.invoke(CLI, ["cost", "report", "-c", str(cfg), "--month", "May"])
    assert month.exit_code == 2
    assert "YYYY-MM" in month.output
    empty = run.invoke(CLI, ["cost", "report", "-c", str(cfg)])
    assert empty.exit_code == 0
    assert "No cost data yet" in empty.stdout
