"""The weekly scorecard on the generated week of test_daily: each line's actual value against
a computation of its own, no data never passing, the band, last week beside this one."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.reports.test_daily import DAY, NOW, setup  # noqa: F401  (the fixture)
from warden.cli.main import app as cli
from warden.reports import render
from warden.reports.config import SecretRecord
from warden.reports.weekly import weekly_report
from warden.results import CheckResult, Status
from warden.store import SqlStore


def _lines(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {x["line"]: x for p in card["points"] for x in p["lines"]}


def test_each_line_against_its_own_count(setup: tuple[SqlStore, Any, list[CheckResult]]) -> None:  # noqa: F811
    store, cfg, checks = setup
    cfg = cfg.model_copy(update={"secrets": [
        SecretRecord(name="db-password", last_rotated="2025-11-01", max_age=90 * DAY),
        SecretRecord(name="api-token", last_rotated="2025-06-01", max_age=90 * DAY),
    ]})  # fmt: skip
    got = weekly_report(store, cfg, NOW)
    this = got["this_week"]
    lines = _lines(this)
    up = sum(c.status is not Status.DOWN for c in checks) / len(checks)
    assert lines["uptime"]["actual"] == f"{up:.3%}"
    assert lines["uptime"]["passed"] is (up >= 0.999)
    assert lines["secret rotation"]["actual"] == "overdue: api-token"
    assert lines["secret rotation"]["passed"] is False
    # the newest backup finished yesterday 03:01; the drill passed three days ago
    yesterday = math.floor((NOW - DAY) / DAY) * DAY + 3 * 3600 + 60
    assert lines["last successful backup"]["actual"] == f"{(NOW - yesterday) / 3600:.1f} h"
    assert lines["last successful backup"]["passed"] is False  # over 24 h: this morning's missed
    assert lines["last tested restore"]["actual"] == "3.0 days"
    assert lines["last tested restore"]["passed"] is True
    # no browser checks, cost data or tracked document: no data, and said how
    for name in ("page load", "monthly spend vs budget", "architecture document"):
        assert lines[name]["passed"] is None
        assert lines[name]["actual"] == "no data"
        assert lines[name]["how"]
    points = {p["point"]: p for p in this["points"]}
    assert points["cost"]["passed"] is False  # no data never passes
    assert not points["cost"]["has_data"]
    assert this["score"] == sum(1 for p in this["points"] if p["passed"])
    band = {7: "excellent", 6: "good", 5: "good", 4: "warning", 3: "warning"}
    assert this["band"] == band.get(this["score"], "critical")
    assert got["change"] == this["score"] - got["last_week"]["score"]
    md = render.weekly_markdown(got)
    assert f"# Weekly scorecard: {this['score']}/7" in md
    assert "No data (never counted as passed)" in md
    assert render.weekly_compact(got).startswith("Weekly scorecard")
    assert "<table>" in render.weekly_html(got)


def test_cli_json(setup: tuple[SqlStore, Any, list[CheckResult]], tmp_path: Path,  # noqa: F811
                  monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    store, _, _ = setup
    monkeypatch.setattr("time.time", lambda: NOW)
    path = tmp_path / "warden.yaml"
    path.write_text(
        f'store:\n  url: "{store.engine.url}"\n'
        "secrets:\n  - {name: stripe-key, last_rotated: 2025-12-01, max_age: 30d}\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(cli, ["report", "weekly", "-c", str(path), "--json"])
    doc = json.loads(res.stdout)
    assert doc["schema"] == "warden.report.weekly/v1"
    assert res.exit_code == (1 if doc["this_week"]["score"] < 5 else 0)
    assert _lines(doc["this_week"])["secret rotation"]["passed"] is True
    (tmp_path / "bad.yaml").write_text("secrets:\n  - {name: x, last_rotated: soon}\n")
    bad = CliRunner().invoke(cli, ["validate", str(tmp_path / "bad.yaml")])
    assert bad.exit_code != 0
    assert "not an ISO date" in bad.output


def test_every_builtin_rule_links_a_shipped_runbook() -> None:
    from warden.alerting.builtin import builtin_rules
    from warden.reports.runbooks import names, runbook

    shipped = set(names())
    for rule in builtin_rules():
        assert rule.runbook is not None, rule.name
        name = rule.runbook.removeprefix("/runbooks/")
        assert name in shipped, rule.name
        text = runbook(name)
        assert text is not None
        for part in ("**What it means.**", "**Confirm it.**", "**Mitigate now.**",
                     "**Fix it for good.**"):  # fmt: skip
            assert part in text, (name, part)
    assert {"slo-burn", "ddos", "memory", "connection-exhaustion", "disk-full"} <= shipped


def test_own_runbooks_add_to_and_override_the_shipped_ones(tmp_path: Path) -> None:
    from warden.reports.runbooks import names, runbook

    (tmp_path / "payments.md").write_text("# Payments down\n")
    (tmp_path / "disk-full.md").write_text("# Our disk runbook\n")
    (tmp_path / "Bad Name.md").write_text("ignored")
    assert "payments" in names(tmp_path)
    assert "Bad Name" not in names(tmp_path)
    assert runbook("payments", tmp_path) == "# Payments down\n"
    assert runbook("disk-full", tmp_path) == "# Our disk runbook\n"
    assert (runbook("disk-full") or "").startswith("# Disk full soon")
    assert runbook("../etc/passwd", tmp_path) is None
