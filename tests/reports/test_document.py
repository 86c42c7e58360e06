"""The infrastructure document: the diagram from the config, measured RPO and RTO against the
targets, "no data" where nothing tells, and the CLI's Markdown, HTML and JSON."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.reports.test_ladder import NOW, config
from warden.backup import storage as backups
from warden.backup.drill import DrillResult
from warden.backup.runner import BackupRun
from warden.cli.main import app as cli
from warden.reports.document import html, infrastructure_document, markdown
from warden.tables import open_store


def test_sections_from_config_and_store(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/w.db")
    try:
        backups.record_run(store.engine, BackupRun("db", "r1", "complete", NOW - 7200,
                                                   NOW - 5400, 1800))  # fmt: skip
        drill = DrillResult("db", "d1", "passed", NOW - 86400, NOW - 86000, restore_seconds=400)
        backups.record_drill(store.engine, drill)
        pg = {"url": "postgresql://app:s3cret@db/app"}
        cfg = config(tmp_path, collectors=[{"name": "web-1", "host": {}},
                                           {"name": "main", "postgres": pg}])  # fmt: skip
        doc = infrastructure_document(store, cfg, NOW)
    finally:
        store.close()
    assert doc["schema"] == "warden.doc/v1"
    assert doc["diagram"].startswith("flowchart LR")
    assert 'd_main[("postgres main")]' in doc["diagram"]
    assert "h_web_1 --> d_main" in doc["diagram"]
    (db,) = doc["recovery"]
    assert db["rpo_measured"] == 5400  # the newest backup finished 1.5 h ago
    assert db["rpo_met"] is True  # RPO 1 day
    assert (db["rto_measured"], db["rto_met"]) == (400, True)  # RTO 1 h
    assert doc["services"]["databases"] == ["main"]
    assert doc["cost"] is None
    md = markdown(doc)
    assert "```mermaid\nflowchart LR" in md
    assert "| db | postgres | 0 3 * * * | 24.0 h | 1.5 h | 1.0 h | 0.1 h |" in md
    assert "No data: cost from FOCUS bills" in md
    assert "s3cret" not in md + json.dumps(doc)
    page = html(doc, "/* mermaid */")
    assert '<pre class="mermaid">flowchart LR' in page
    assert "mermaid.initialize" in page


def test_cli(tmp_path: Path) -> None:
    path = tmp_path / "warden.yaml"
    path.write_text(f'store:\n  url: "sqlite:///{tmp_path}/w.db"\n', encoding="utf-8")
    res = CliRunner().invoke(cli, ["doc", "-c", str(path), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["schema"] == "warden.doc/v1"
    out = tmp_path / "doc.html"
    res = CliRunner().invoke(cli, ["doc", "-c", str(path), "--format", "html", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "mermaid" in out.read_text()
