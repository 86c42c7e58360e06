"""The last checks of each monitor on a page (the dashboard's 50-check bar).

One statement per page: a ``UNION ALL`` of one ``ORDER BY ts DESC LIMIT n`` per monitor, each
answered from the ``(monitor_id, ts)`` index, so the cost grows with the page, not with the
monitors or the history stored. Blocking: run it in a thread from async code.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, select, union_all

from warden.results import Status
from warden.store import schema as s

BAR_CHECKS = 50
_CHUNK = 200  # SQLite allows 500 terms in one compound SELECT


def last_checks(
    engine: Engine, mids: Iterable[int], n: int = BAR_CHECKS
) -> dict[int, list[tuple[float, str, float]]]:
    """For each monitor id: its last ``n`` checks, oldest first, as ``[ts, state, latency]``."""
    ids = sorted(set(mids))
    out: dict[int, list[tuple[float, str, float]]] = {mid: [] for mid in ids}
    t = s.check_results
    with engine.connect() as conn:
        for start in range(0, len(ids), _CHUNK):
            parts = [
                select(t.c.monitor_id, t.c.ts, t.c.status, t.c.latency)
                .where(t.c.monitor_id == mid)
                .order_by(t.c.ts.desc())
                .limit(n)
                .subquery()
                .select()
                for mid in ids[start : start + _CHUNK]
            ]
            if not parts:
                continue
            stmt = parts[0] if len(parts) == 1 else union_all(*parts)
            for mid, ts, status, latency in conn.execute(stmt):
                out[mid].append((float(ts), Status(status).label, float(latency)))
    for rows in out.values():
        rows.sort()
    return out
