"""SARIF 2.1.0 for code-scanning tools (GitHub, GitLab, IDEs): one run, one rule per
finding id, one result per finding with its file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from warden import __version__
from warden.audit._base import Severity
from warden.scan._base import ScanReport

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
}
SCORE = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.0",
}


def to_sarif(report: ScanReport) -> dict[str, Any]:
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for f in report.findings:
        if f.id not in rules:
            rules[f.id] = {
                "id": f.id,
                "name": f.id.replace(".", "_"),
                "shortDescription": {"text": f.message.split(":")[0][:120] or f.id},
                "help": {"text": f.fix},
                "helpUri": f.reference or None,
                "defaultConfiguration": {"level": LEVEL[f.severity]},
                "properties": {"security-severity": SCORE[f.severity], "tags": ["security", "iac"]},
            }
            if not f.reference:
                del rules[f.id]["helpUri"]
        results.append(
            {
                "ruleId": f.id,
                "ruleIndex": list(rules).index(f.id),
                "level": LEVEL[f.severity],
                "message": {"text": f"{f.message} ({f.resource}). Fix: {f.fix}"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": f.file, "uriBaseId": "SRCROOT"},
                            "region": {"startLine": max(1, f.line)},
                        },
                        "logicalLocations": [{"name": f.resource or f.file}],
                    }
                ],
                "partialFingerprints": {"wardenFingerprint/v1": f.fingerprint},
                "properties": {"severity": f.severity.label},
            }
        )
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "warden-scan",
                        "version": __version__,
                        "rules": list(rules.values()),
                    }
                },
                "originalUriBaseIds": {"SRCROOT": {"uri": _base_uri(report.path)}},
                "results": results,
                "invocations": [
                    {
                        "executionSuccessful": not report.errors,
                        "toolExecutionNotifications": [
                            {"message": {"text": n}, "level": "note"} for n in report.notes
                        ],
                    }
                ],
            }
        ],
    }


def _base_uri(path: str) -> str:
    p = Path(path).resolve()
    base = p if p.is_dir() else p.parent
    return base.as_uri().rstrip("/") + "/"
