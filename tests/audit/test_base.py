"""Severities, reports (JSON shape, Markdown, terminal), the runner and the config section."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from rich.console import Console

from audit import _facts as F
from audit._servers import redis_server
from warden.audit import (
    AuditConfig,
    AuditOptions,
    AuditReport,
    Check,
    Finding,
    Severity,
    audit,
    new_findings,
    run_audit,
)
from warden.audit import _runner as runner
from warden.audit._render import print_report, to_markdown
from warden.audit._runner import AuditKind, audit_kind, split_thresholds
from warden.config.schema import WardenConfig
from warden.engine.clock import FakeClock
from warden.errors import AuditError
from warden.plugins import Registry
from warden.report.jsonout import dumps


def finding(id_: str = "pg.x", severity: Severity = Severity.HIGH, subject: str = "s") -> Finding:
    return Finding(id_, severity, subject, "title | pipe", "ev", "why", "fix", {"n": 1})


def report(*findings: Finding) -> AuditReport:
    return AuditReport("postgres", "postgresql://u:***@h/db", 1.7e9, 0.5, list(findings))


def test_severity_order_and_parse() -> None:
    assert sorted([Severity.HIGH, Severity.LOW, Severity.CRITICAL, Severity.MEDIUM]) == [
        Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL,
    ]  # fmt: skip
    assert max(Severity.LOW, Severity.CRITICAL) is Severity.CRITICAL
    assert Severity.parse(" High ") is Severity.HIGH
    with pytest.raises(AuditError, match="critical, high, medium, low"):
        Severity.parse("urgent")


def test_json_shape() -> None:
    doc = json.loads(dumps("audit", report(finding(), finding("pg.y", Severity.LOW)).payload()))
    assert doc["schema"] == "warden.audit/v1"
    assert doc["counts"] == {"critical": 0, "high": 1, "medium": 0, "low": 1}
    assert doc["findings"][0] == {
        "id": "pg.x", "severity": "high", "subject": "s", "title": "title | pipe",
        "evidence": "ev", "why": "why", "fix": "fix", "values": {"n": 1},
    }  # fmt: skip
    assert set(doc) == {
        "schema", "kind", "target", "started", "duration", "counts", "findings", "facts",
        "notes", "checks", "errors", "runbook",
    }  # fmt: skip


def test_markdown_and_terminal_rendering() -> None:
    r = report(finding(), finding("pg.y", Severity.LOW))
    r.notes.append("a note")
    text = to_markdown(r)
    assert "## postgres audit of postgresql://u:***@h/db" in text
    assert "### High (1)" in text
    assert "title \\| pipe" in text
    assert "a note" in text
    out = io.StringIO()
    print_report(r, Console(file=out, width=120))
    printed = out.getvalue()
    assert printed.index("HIGH") < printed.index("LOW")
    assert "fix" in printed


def test_new_findings() -> None:
    old = report(finding(subject="a"))
    new = report(finding(subject="a"), finding(subject="b"))
    assert [f.subject for f in new_findings(old, new)] == ["b"]
    assert len(new_findings(None, new)) == 2


class _Boom(Check[Any]):
    type = "pg.boom"
    finding_ids = ("pg.boom",)

    def run(self, facts: Any) -> Iterator[Finding]:
        raise ValueError("bug")


async def test_a_crashing_check_is_reported_not_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    real = audit_kind("postgres")
    registry: Registry[type[Check[Any]]] = Registry("test")
    for _, cls in real.registry.items():
        registry.register(cls)
    registry.register(_Boom)

    async def gather(target: str, options: AuditOptions, clock: Any) -> Any:
        return F.pg(settings={**F.pg().settings, "autovacuum": "off"})

    fake = AuditKind("postgres", "pg", registry, gather)
    monkeypatch.setattr(runner, "audit_kind", lambda name: fake)
    r = await audit("postgres", "postgresql://u:pw@h/db", clock=FakeClock())
    assert r.errors == ["pg.boom: ValueError: bug"]
    assert "pg.autovacuum_off" in r.ids()
    assert r.target == "postgresql://u:***@h/db"
    assert r.duration == 0.0
    assert r.findings == sorted(r.findings, key=lambda f: (-f.severity.rank, f.id, f.subject))


def test_threshold_validation() -> None:
    kind = audit_kind("postgres")
    assert split_thresholds(kind, {"pg.sequences.high_ratio": 0.7, "redis.x.y": 1}) == {
        "pg.sequences": {"high_ratio": 0.7}
    }
    with pytest.raises(AuditError, match=re.escape("no check 'pg.nope'")):
        split_thresholds(kind, {"pg.nope.x": 1})
    with pytest.raises(AuditError, match="unknown threshold 'nope'"):
        kind.registry.get("pg.sequences")({"nope": 1})


def test_unknown_kind() -> None:
    with pytest.raises(AuditError, match="unknown audit kind"):
        audit_kind("oracle")


def test_config_section() -> None:
    cfg = WardenConfig.model_validate(
        {"audits": [{"name": "db", "kind": "postgres", "target": "postgresql://a:pw@h/d",
                     "schedule": "*/30 * * * *", "fail_on": "medium",
                     "thresholds": {"pg.sequences.high_ratio": 0.7}, "machine_memory": "16GiB"}]}
    )  # fmt: skip
    audit_cfg = cfg.audits[0]
    assert audit_cfg.target.display() == "postgresql://a:***@h/d"
    assert audit_cfg.fail_severity() is Severity.MEDIUM
    assert audit_cfg.options().machine_memory == 16 * 1024**3
    assert "pw" not in repr(audit_cfg)


@pytest.mark.parametrize(
    ("override", "message"),
    [({"schedule": "every day"}, "cron"), ({"kind": "oracle"}, "kind"),
     ({"fail_on": "urgent"}, "fail_on"), ({"name": "bad name"}, "name"), ({"extra": 1}, "extra")],
)  # fmt: skip
def test_config_errors(override: dict[str, Any], message: str) -> None:
    data = {"name": "web", "kind": "web", "target": "https://x.test/", **override}
    with pytest.raises(ValidationError, match=message):
        AuditConfig.model_validate(data)


@pytest.mark.integration
async def test_run_audit_from_config(tmp_path: Path) -> None:
    with redis_server(tmp_path) as url:
        cfg = AuditConfig.model_validate({"name": "cache", "kind": "redis", "target": url})
        r = await run_audit(cfg)
    assert r.kind == "redis"
    assert r.errors == []
    assert "redis.memory" in r.checks
    json.loads(dumps("audit", r.payload()))  # serialisable


def test_every_audit_family_links_a_shipped_runbook() -> None:
    from warden.reports.runbooks import runbook

    for kind in ("web", "tls", "postgres", "mysql", "redis"):
        link = AuditReport(kind, "t", 0.0, 0.0).payload()["runbook"]
        assert link == f"/runbooks/audit-{kind}"
        text = runbook(link.removeprefix("/runbooks/"))
        assert text is not None
        assert "**Fix it for good.**" in text
