"""Writing to the SQL store: monitors, batches of results, samples and states, heartbeats.

A batch is one transaction; once ``write`` returns, its rows survive a kill -9 of the process.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, select

from warden.results import PHASES, CheckResult, Sample
from warden.store import schema as s
from warden.store._core import StoreCore, labels_key, now
from warden.store.protocol import MonitorInfo, MonitorState


class WritesMixin(StoreCore):
    def sync_monitors(self, monitors: Sequence[MonitorInfo]) -> None:
        """Insert or update monitors; safe when several instances sync the same ones at once."""
        at = now()
        with self._begin() as conn:
            new = []
            for m in monitors:
                values = {"type": m.type, "group_name": m.group, "target": m.target[:500]}
                if m.name in self._monitor_ids:
                    conn.execute(
                        s.monitors.update().where(s.monitors.c.name == m.name).values(**values)
                    )
                    continue
                row = {"name": m.name, "created_at": at, **values}
                self._upsert(conn, s.monitors, [row], ["name"], list(values))
                new.append(m.name)
            self._learn_ids(conn, new)

    def _monitor_id(self, conn: Connection, name: str) -> int:
        mid = self._monitor_ids.get(name)
        if mid is None:
            row = {"name": name, "type": "", "created_at": now()}
            self._upsert(conn, s.monitors, [row], None, [])
            self._learn_ids(conn, [name])
            mid = self._monitor_ids[name]
        return mid

    def _learn_ids(self, conn: Connection, names: Sequence[str]) -> None:
        m = s.monitors
        for i in range(0, len(names), 1000):
            query = select(m.c.id, m.c.name).where(m.c.name.in_(names[i : i + 1000]))
            for row in conn.execute(query):
                self._monitor_ids[row.name] = row.id
                self._monitor_names[row.id] = row.name

    def _series_id(self, conn: Connection, name: str, labels: Mapping[str, str]) -> int:
        key = (name, labels_key(labels))
        sid = self._series_ids.get(key)
        if sid is None:
            self._upsert(conn, s.series, [{"name": key[0], "labels": key[1]}], None, [])
            sid = conn.execute(
                select(s.series.c.id).where(s.series.c.name == key[0], s.series.c.labels == key[1])
            ).scalar_one()
            self._series_ids[key] = sid
        return sid

    def write(
        self,
        results: Sequence[CheckResult] = (),
        samples: Sequence[Sample] = (),
        states: Sequence[MonitorState] = (),
    ) -> None:
        if not (results or samples or states):
            return
        with self._begin() as conn:
            if results:
                conn.execute(s.check_results.insert(), [self._result_row(conn, r) for r in results])
            if samples:
                rows = [
                    {
                        "series_id": self._series_id(conn, x.name, x.labels),
                        "ts": x.time,
                        "value": x.value,
                    }
                    for x in samples
                    if math.isfinite(x.value)
                ]
                if rows:
                    conn.execute(s.samples.insert(), rows)
            if states:
                state_rows: list[dict[str, Any]] = [
                    {
                        "monitor_id": self._monitor_id(conn, st.monitor),
                        "status": int(st.status),
                        "since": st.since,
                        "last_ts": st.last_ts,
                        "failures": st.failures,
                        "latency": st.latency,
                        "error": str(st.error),
                        "message": st.message[:2000],
                    }
                    for st in states
                ]
                cols = ["status", "since", "last_ts", "failures", "latency", "error", "message"]
                self._upsert(conn, s.monitor_state, state_rows, ["monitor_id"], cols)

    def _result_row(self, conn: Connection, r: CheckResult) -> dict[str, Any]:
        row: dict[str, Any] = {
            "monitor_id": self._monitor_id(conn, r.monitor),
            "ts": r.time,
            "status": int(r.status),
            "latency": r.latency,
            "error": str(r.error),
            "message": r.message[:2000] or None,
            "metrics": json.dumps(dict(r.metrics), separators=(",", ":")) if r.metrics else None,
            "attempt": r.attempt,
        }
        for phase in PHASES:
            row[phase] = r.phases.get(phase)
        return row

    def record_heartbeat(self, monitor: str, at: float) -> None:
        with self._begin() as conn:
            mid = self._monitor_id(conn, monitor)
            self._upsert(
                conn,
                s.heartbeats,
                [{"monitor_id": mid, "last_ping": at}],
                ["monitor_id"],
                ["last_ping"],
            )
