"""Collector and job samples on ``/metrics``: host, service and backup series for Prometheus.

``SampleCollector`` (a prometheus_client custom Collector) exports the latest stored value of
every sample series written within ``fresh`` seconds, named as in the store
(``host_cpu_percent``) with the series' labels (``collector="host", cpu="total"``), so the
rules ``warden alerts export-rules`` writes over those names evaluate in Prometheus as they do
in Warden. The values come from the store (one query per scrape), so a sample any instance
or scheduled job wrote is exported; series that stopped are dropped after ``fresh``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator

from prometheus_client.core import Metric
from sqlalchemy import Engine, func, select

from warden.store import schema as s
from warden.web.alerts_api import label_name

FRESH = 600.0
_METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
# names Warden's own collectors on /metrics use: a sample may not take them over
_RESERVED = ("warden_monitor", "warden_alert", "warden_slo_", "warden_checks_total",
             "warden_results_stored", "warden_store_", "warden_dropped", "warden_scheduler_",
             "warden_running", "warden_start_time", "warden_monitors")  # fmt: skip


def latest_samples(engine: Engine, since: float) -> list[tuple[str, dict[str, str], float]]:
    """The newest value of each series with a sample at or after ``since`` (blocking)."""
    sa, se = s.samples, s.series
    newest = (
        select(sa.c.series_id, func.max(sa.c.ts).label("ts"))
        .where(sa.c.ts >= since)
        .group_by(sa.c.series_id)
        .subquery()
    )
    stmt = (
        select(se.c.id, se.c.name, se.c.labels, sa.c.value)
        .join(newest, sa.c.series_id == newest.c.series_id)
        .join(se, se.c.id == sa.c.series_id)
        .where(sa.c.ts == newest.c.ts)
        .order_by(se.c.name, se.c.id)
    )
    out: list[tuple[str, dict[str, str], float]] = []
    seen: set[int] = set()
    with engine.connect() as conn:
        for sid, name, labels, value in conn.execute(stmt):
            if sid not in seen:  # two samples of one series at the same time: keep one
                seen.add(sid)
                out.append((str(name), json.loads(labels), float(value)))
    return out


class SampleCollector:
    def __init__(self, engine: Engine, now: Callable[[], float], fresh: float = FRESH) -> None:
        self.engine = engine
        self.now = now
        self.fresh = fresh

    def collect(self) -> Iterator[Metric]:
        try:
            rows = latest_samples(self.engine, self.now() - self.fresh)
        except Exception:  # the store is unreachable: no samples this scrape
            return
        families: dict[str, Metric] = {}
        for name, labels, value in rows:
            if not _METRIC_NAME.match(name) or name.startswith(_RESERVED):
                continue
            family = families.get(name)
            if family is None:
                family = families[name] = Metric(name, f"Warden sample series {name}.", "gauge")
            family.add_sample(name, {label_name(k): v for k, v in labels.items()}, value)
        yield from families.values()
