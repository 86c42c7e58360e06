"""The JSON of a backup run, a restore drill, a backup's status and a repository listing:
one builder each for ``warden backup``/``warden dr`` ``--json`` and the MCP tools."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from warden.backup.drill import DrillResult
    from warden.backup.runner import BackupRun
    from warden.backup.status import BackupStatus


def run_json(run: BackupRun) -> dict[str, Any]:
    data = asdict(run)
    data["id"] = run.id or None  # None: the run failed before writing an attempt
    return data


def drill_json(result: DrillResult) -> dict[str, Any]:
    data = asdict(result)
    data.pop("format")
    data["rto_met"] = result.rto_met
    return data


def status_json(st: BackupStatus) -> dict[str, Any]:
    data = asdict(st)
    data["last_drill"] = drill_json(st.last_drill) if st.last_drill else None
    return data


def entry_json(e: Any) -> dict[str, Any]:
    """One backup of a repository listing (``list_backups``)."""
    return {
        "backup": e.backup,
        "id": e.id,
        "status": e.status,
        "started": e.started,
        "finished": e.finished,
        "raw_bytes": e.raw_bytes,
        "stored_bytes": e.stored_bytes,
        "key_id": e.manifest.key_id if e.manifest else None,
        "error": e.error or None,
    }
