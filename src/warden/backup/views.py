"""The JSON of a backup run, a restore drill, a backup's status, a repository listing and a
point-in-time restore: one builder each for ``warden backup``/``warden dr`` ``--json`` and the
MCP tools."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

    from warden.backup.drill import DrillResult
    from warden.backup.pitr import PitrResult
    from warden.backup.runner import BackupRun
    from warden.backup.status import BackupStatus


def run_json(run: BackupRun) -> dict[str, Any]:
    data = asdict(run)
    data["id"] = run.id or None  # None: the run failed before writing an attempt
    return data


def compare_json(peers: Sequence[tuple[str, DrillResult | None]]) -> list[dict[str, Any]]:
    """The last drill of each logical (pg_dump) backup of the same server, for its RTO."""
    return [
        {"backup": name, "kind": "logical", "drill_id": d.id if d else None,
         "status": d.status if d else None, "started": d.started if d else None,
         "restore_seconds": d.restore_seconds if d else None}
        for name, d in peers
    ]  # fmt: skip


def drill_json(
    result: DrillResult, compare: Sequence[tuple[str, DrillResult | None]] | None = None
) -> dict[str, Any]:
    data = asdict(result)
    data.pop("format")
    data["rto_met"] = result.rto_met
    if compare is not None:
        data["compare"] = compare_json(compare)
    return data


def status_json(
    st: BackupStatus, compare: Sequence[tuple[str, DrillResult | None]] | None = None
) -> dict[str, Any]:
    data = asdict(st)
    data["last_drill"] = drill_json(st.last_drill) if st.last_drill else None
    if compare is not None:
        data["compare"] = compare_json(compare)
    return data


def pitr_json(result: PitrResult) -> dict[str, Any]:
    """``warden backup restore`` of a pgbackrest backup (a superset of the restore shape)."""
    return {**asdict(result), "raw_bytes": None, "objects": []}


def entry_json(e: Any, engine: Any = None) -> dict[str, Any]:
    """One backup of a repository listing (``list_backups``); ``engine``: its engine record."""
    data = {
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
    if engine is not None:
        data["engine"] = asdict(engine)
    return data
