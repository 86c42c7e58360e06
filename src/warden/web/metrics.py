"""``/metrics``: the App's live state in the Prometheus text format (prometheus_client).

A custom Collector reads the state at scrape time: per monitor up, status, state age,
last latency and its phases, certificate days left and other probe numbers; Warden's own
check counters, scheduler lag and store size. ``SloCollector`` adds each SLO's objective, SLI,
error budget left and burn rates. Each web app builds its own registry.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

from warden.alerting.slo import BURN_WINDOWS
from warden.web.context import LastResults, Web

if TYPE_CHECKING:
    from warden.engine.app import App

TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
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


def metrics_endpoint(
    app: App, last: LastResults, extra: Sequence[Collector] = ()
) -> Callable[[Request], Awaitable[Response]]:
    """The /metrics handler over a registry of its own (plus ``extra`` collectors)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(WardenCollector(app, last, StoreSize(app.store.size_bytes)))
    for collector in extra:
        registry.register(collector)

    async def metrics(_: Request) -> Response:
        body = await asyncio.to_thread(generate_latest, registry)
        return Response(body, media_type=TEXT_CONTENT_TYPE)

    return metrics
