"""Accepted findings: inline ``warden:ignore=<id> <reason>`` comments and a baseline file.

An inline comment (``#``, ``//`` or ``/*``) silences the findings of the listed ids (``*``
globs allowed, several separated by commas) on its own line and on the next; placed on or
just above a block's first line it silences them for the whole resource. A reason is
required: a comment without one is not applied, and the report's notes say so.

A baseline (``--write-baseline FILE``, then ``--baseline FILE``) lists findings by
fingerprint (rule, file, resource and message: not the line, so edits above do not matter).
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warden.scan._base import Suppressed
from warden.scan._model import ScanError, ScanFinding

_IGNORE = re.compile(r"(?:#|//|/\*)\s*warden:ignore=([\w.*\-,]+)[ \t]*([^\n]*?)\s*(?:\*/)?\s*$")
BASELINE_SCHEMA = "warden.scan-baseline/v1"


@dataclass(frozen=True, slots=True)
class Ignore:
    file: str
    line: int
    ids: tuple[str, ...]
    reason: str

    def covers(self, finding_id: str) -> bool:
        return any(fnmatch.fnmatchcase(finding_id, pattern) for pattern in self.ids)


def read_ignores(root: Path, files: Iterable[str], notes: list[str]) -> list[Ignore]:
    out: list[Ignore] = []
    for rel in sorted(set(files)):
        try:
            text = (root / rel).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if "warden:ignore" not in text:
            continue
        for no, line in enumerate(text.splitlines(), start=1):
            m = _IGNORE.search(line)
            if not m:
                continue
            reason = m.group(2).strip()
            if not reason:
                notes.append(f"{rel}:{no}: warden:ignore without a reason is not applied")
                continue
            out.append(Ignore(rel, no, tuple(m.group(1).split(",")), reason))
    return out


def apply_inline(
    root: Path,
    findings: list[ScanFinding],
    notes: list[str],
    headers: dict[tuple[str, int], set[str]],
) -> tuple[list[ScanFinding], list[Suppressed]]:
    """``headers``: the resources (labels) whose first line is at (file, line)."""
    ignores = read_ignores(root, (f.file for f in findings), notes)
    if not ignores:
        return findings, []
    kept: list[ScanFinding] = []
    gone: list[Suppressed] = []
    for f in findings:
        match = next(
            (
                i
                for i in ignores
                if i.file == f.file
                and i.covers(f.id)
                and (f.line in (i.line, i.line + 1) or _same_resource(i, f, headers))
            ),
            None,
        )
        if match is None:
            kept.append(f)
        else:
            gone.append(Suppressed(f, match.reason, "inline"))
    return kept, gone


def _same_resource(
    ignore: Ignore, finding: ScanFinding, headers: dict[tuple[str, int], set[str]]
) -> bool:
    """The comment sits on (or just above) the first line of the finding's resource."""
    here = headers.get((ignore.file, ignore.line), set())
    below = headers.get((ignore.file, ignore.line + 1), set())
    return bool(finding.resource) and finding.resource in here | below


def load_baseline(path: Path) -> dict[str, dict[str, Any]]:
    """Fingerprint -> entry of a baseline file (ScanError when it is not one)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScanError(f"baseline {path}: cannot read ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScanError(f"baseline {path}: not JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise ScanError(f"baseline {path}: expected {{'findings': [...]}} ({BASELINE_SCHEMA})")
    out: dict[str, dict[str, Any]] = {}
    for entry in data["findings"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            raise ScanError(f"baseline {path}: every finding needs a fingerprint")
        out[entry["fingerprint"]] = entry
    return out


def apply_baseline(
    findings: list[ScanFinding], baseline: dict[str, dict[str, Any]]
) -> tuple[list[ScanFinding], list[Suppressed]]:
    kept: list[ScanFinding] = []
    gone: list[Suppressed] = []
    for f in findings:
        entry = baseline.get(f.fingerprint)
        if entry is None:
            kept.append(f)
        else:
            gone.append(
                Suppressed(f, str(entry.get("reason") or "accepted in the baseline"), "baseline")
            )
    return kept, gone


def baseline_document(findings: Iterable[ScanFinding], reason: str) -> dict[str, Any]:
    """A baseline accepting ``findings`` (the file ``--write-baseline`` writes)."""
    rows = [
        {
            "fingerprint": f.fingerprint,
            "id": f.id,
            "severity": f.severity.label,
            "file": f.file,
            "resource": f.resource,
            "reason": reason,
        }
        for f in findings
    ]
    return {"schema": BASELINE_SCHEMA, "findings": rows}
