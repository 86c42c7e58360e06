"""``/metrics``: the App's live state in the Prometheus text format (prometheus_client).

A custom Collector reads the state at scrape time: per monitor up, status, state age,
last latency and its phases, certificate days left and other probe numbers; Warden's own
check counters, scheduler lag and store size. ``SampleCollector`` exports the newest value of
every host, service and backup sample series as ``warden_<series>``. ``SloCollector`` adds
each SLO's objective, SLI, error budget left and burn rates. Each web app builds its own
registry.
"""

from __future__ import annotations

import asyncio
import json as json_module
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select
from starlette.requests import Request
from starlette.responses import Response

from warden.alerting.prometheus_rules import sample_label_name, sample_metric_name
from warden.alerting.slo import BURN_WINDOWS
from warden.store import schema
from warden.web.context import LastResults, Web

if TYPE_CHECKING:
    from warden.engine.app import App

TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
log = logging.getLogger(__name__)
# families of Warden's own state: a sample series never takes one of these names
OWN_FAMILIES = frozenset(
    {
        "warden_monitors",
        "warden_running",
        "warden_start_time_seconds",
        "warden_store_size_bytes",
        "warden_checks_total",
        "warden_results_stored_total",
        "warden_store_errors_total",
        "warden_dropped_total",
        "warden_checks",
        "warden_results_stored",
        "warden_store_errors",
        "warden_dropped",
    }
)
OWN_PREFIXES = ("warden_monitor_", "warden_scheduler_", "warden_slo_", "warden_alert")
_METRIC_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


class StoreSize:
    """The store's size, asked of the database at most every ``ttl`` seconds."""

    def __init__(self, read: Callable[[], int], ttl: float = 30.0) -> None:
        self.read = read
        self.ttl = ttl
        self._value: float | None = None
        self._at = -1e18

    def get(self) -> float | None:
        now = time.monotonic()
        if now - self._at >= self.ttl:
            self._at = now
            try:
                self._value = float(self.read())
            except Exception:  # an unreachable store: no figure this time
                self._value = None
        return self._value


class WardenCollector:
    """A prometheus_client Collector over one App (register it in a registry of your own)."""

    def __init__(self, app: App, last: LastResults, size: StoreSize) -> None:
        self.app = app
        self.last = last
        self.size = size

    def collect(self) -> Iterator[Metric]:
        app = self.app
        labels = ["monitor", "group", "type"]
        up = GaugeMetricFamily(
            "warden_monitor_up", "1 if the monitor is up or degraded.", labels=labels
        )
        status = GaugeMetricFamily(
            "warden_monitor_status", "0 up, 1 degraded, 2 down.", labels=labels
        )
        since = GaugeMetricFamily(
            "warden_monitor_state_since_seconds",
            "When the current state began (epoch).",
            labels=["monitor"],
        )
        latency = GaugeMetricFamily(
            "warden_monitor_latency_seconds", "Latency of the last check.", labels=["monitor"]
        )
        phases = GaugeMetricFamily(
            "warden_monitor_phase_seconds",
            "Timing phases of the last check.",
            labels=["monitor", "phase"],
        )
        cert = GaugeMetricFamily(
            "warden_monitor_cert_expiry_timestamp_seconds",
            "When the certificate of the last check expires (epoch).",
            labels=["monitor"],
        )
        probe = GaugeMetricFamily(
            "warden_monitor_probe_value",
            "Other numbers the last check measured.",
            labels=["monitor", "metric"],
        )
        for m in app.config.monitors:
            state = app.tracker.get(m.name)
            if state is not None:
                lv = [m.name, m.group, m.probe_type()]
                up.add_metric(lv, 0.0 if state.status.label == "down" else 1.0)
                status.add_metric(lv, float(state.status))
                since.add_metric([m.name], state.since)
                latency.add_metric([m.name], state.latency)
            result = self.last.by_monitor.get(m.name)
            if result is None:
                continue
            for phase, seconds in result.phases.items():
                phases.add_metric([m.name, phase], seconds)
            for name, value in result.metrics.items():
                if name == "cert_days_left":
                    cert.add_metric([m.name], result.time + value * 86400.0)
                elif set(name) <= _METRIC_NAME_CHARS:
                    probe.add_metric([m.name, name], float(value))
        yield from (up, status, since, latency, phases, cert, probe)
        st = app.stats
        yield CounterMetricFamily("warden_checks", "Checks run.", value=st.checks)
        yield CounterMetricFamily(
            "warden_results_stored", "Results written.", value=st.stored_results
        )
        yield CounterMetricFamily(
            "warden_store_errors", "Failed store writes.", value=st.store_errors
        )
        yield CounterMetricFamily(
            "warden_dropped", "Items dropped while the store was down.", value=st.dropped
        )
        yield GaugeMetricFamily(
            "warden_scheduler_lag_seconds", "Lateness of the last check.", value=st.last_lag
        )
        yield GaugeMetricFamily(
            "warden_scheduler_max_lag_seconds", "Worst lateness seen.", value=st.max_lag
        )
        yield GaugeMetricFamily(
            "warden_running", "1 while the scheduler runs.", value=float(st.running)
        )
        yield GaugeMetricFamily(
            "warden_start_time_seconds", "When Warden started (epoch).", value=st.started
        )
        yield GaugeMetricFamily(
            "warden_monitors", "Monitors configured.", value=len(app.config.monitors)
        )
        size = self.size.get()
        if size is not None:
            yield GaugeMetricFamily("warden_store_size_bytes", "Size of the store.", value=size)


class SloCollector:
    """``warden_slo_*`` gauges from the web app's ``SloBook``: figures at most 30 s old,
    refreshed in the background so a slow store never holds a scrape more than ``wait`` s."""

    def __init__(self, web: Web, wait: float = 5.0) -> None:
        self.web = web
        self.wait = wait

    def collect(self) -> Iterator[Metric]:
        cfg = self.web.app.config
        if not cfg.slos:
            return
        objective = GaugeMetricFamily(
            "warden_slo_objective_ratio", "Fraction of checks that must be good.", labels=["slo"]
        )
        sli = GaugeMetricFamily(
            "warden_slo_sli_ratio", "Fraction of good checks over the SLO window.", labels=["slo"]
        )
        budget = GaugeMetricFamily(
            "warden_slo_error_budget_remaining_ratio",
            "Fraction of the error budget left over the SLO window (negative: overspent).",
            labels=["slo"],
        )
        burn = GaugeMetricFamily(
            "warden_slo_burn_rate",
            "Error budget burn rate over a trailing window (1: spent exactly in one SLO window).",
            labels=["slo", "window"],
        )
        for slo in cfg.slos:
            objective.add_metric([slo.name], slo.objective / 100)
        for st in self.web.slos.latest(cfg.slos, cfg.monitors, self.web.now(), self.wait):
            if st.sli is not None:
                sli.add_metric([st.name], st.sli / 100)
            if st.budget_remaining is not None:
                budget.add_metric([st.name], st.budget_remaining)
            for window in BURN_WINDOWS:
                rate = st.burn_rates.get(window)
                if rate is not None:
                    burn.add_metric([st.name, window], rate)
        yield from (objective, sli, budget, burn)


class SampleCollector:
    """The newest value of every sample series (host and service collectors, backup jobs)
    written to the store in the last ``horizon`` seconds, as ``warden_<series>`` with the
    sample's labels and time: a gauge, or a counter when the name ends in ``_total``.

    Read from the store rather than from this process's collectors, so an instance that does
    not run a collector itself (several instances on one store) exports it too. A series
    whose name would clash with one of Warden's own families is left out."""

    def __init__(self, engine: Engine, horizon: Callable[[], float], now: Callable[[], float]):
        self.engine = engine
        self.horizon = horizon
        self.now = now

    def latest(self) -> list[tuple[str, dict[str, str], float, float]]:
        """(series, labels, value, time) of each series' newest sample in the horizon."""
        t, series = schema.samples, schema.series
        since = self.now() - self.horizon()
        newest = (
            select(t.c.series_id, func.max(t.c.ts).label("ts"))
            .where(t.c.ts >= since)
            .group_by(t.c.series_id)
            .subquery()
        )
        query = (
            select(series.c.name, series.c.labels, t.c.value, t.c.ts)
            .join(newest, (t.c.series_id == newest.c.series_id) & (t.c.ts == newest.c.ts))
            .join(series, series.c.id == t.c.series_id)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        found = {(r.name, r.labels): (r.value, r.ts) for r in rows}  # one per series
        return [
            (name, json_module.loads(labels), value, ts)
            for (name, labels), (value, ts) in sorted(found.items())
        ]

    def collect(self) -> Iterator[Metric]:
        try:
            latest = self.latest()
        except Exception:  # an unreachable store: no samples this time (warden_* still are)
            log.warning("/metrics: samples not read from the store", exc_info=True)
            return
        families: dict[str, Metric] = {}
        for series, labels, value, ts in latest:
            name = sample_metric_name(series)
            if name in OWN_FAMILIES or name.startswith(OWN_PREFIXES):
                continue
            counter = name.endswith("_total")
            family_name = name.removesuffix("_total") if counter else name
            family = families.get(family_name)
            if family is None:
                family = Metric(
                    family_name, f"Warden sample {series}.", "counter" if counter else "gauge"
                )
                families[family_name] = family
            elif family.type != ("counter" if counter else "gauge"):
                continue  # x and x_total side by side: the first one seen stays
            family.add_sample(name, _renamed(labels), value, ts)
        yield from families.values()


def _renamed(labels: dict[str, str]) -> dict[str, str]:
    """Labels with valid names; a name taken already gets ``exported_`` in front."""
    out: dict[str, str] = {}
    for key, value in sorted(labels.items()):
        name = sample_label_name(key)
        while name in out:
            name = "exported_" + name
        out[name] = value
    return out


def sample_horizon(app: App) -> float:
    """How old a sample may be and still be exported: three rounds of the slowest collector
    (backup figures are written every minute), at least 5 minutes."""
    intervals = [c.interval for c in app.config.collectors]
    return max([300.0, *(3 * i for i in intervals)])


def metrics_endpoint(
    app: App, last: LastResults, extra: Sequence[Collector] = ()
) -> Callable[[Request], Awaitable[Response]]:
    """The /metrics handler over a registry of its own (plus ``extra`` collectors)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(WardenCollector(app, last, StoreSize(app.store.size_bytes)))
    engine = getattr(app.store, "engine", None)
    if isinstance(engine, Engine):
        registry.register(SampleCollector(engine, lambda: sample_horizon(app), app.clock.time))
    for collector in extra:
        registry.register(collector)

    async def metrics(_: Request) -> Response:
        body = await asyncio.to_thread(generate_latest, registry)
        return Response(body, media_type=TEXT_CONTENT_TYPE)

    return metrics
