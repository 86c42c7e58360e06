"""Stored audit reports: the newest per audit, a few kept, and the scheduled job keeps them."""

from __future__ import annotations

from pathlib import Path

from warden.audit import history
from warden.tables import open_store


def test_latest_report_per_audit_and_only_a_few_kept(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/w.db")
    try:
        for i in range(history.KEEP + 3):
            history.save(store.engine, "db", {"kind": "postgres", "counts": {"high": i}}, float(i))
        history.save(store.engine, "web", {"kind": "web", "counts": {}}, 100.0)
        got = history.latest(store.engine)
        assert got["db"]["at"] == history.KEEP + 2
        assert got["db"]["counts"] == {"high": 7}
        assert got["web"]["kind"] == "web"
        assert set(history.latest(store.engine, ["web"])) == {"web"}
        with store.engine.connect() as conn:
            rows = conn.execute(history.audit_reports.select()).fetchall()
        assert len(rows) == history.KEEP + 1
    finally:
        store.close()
