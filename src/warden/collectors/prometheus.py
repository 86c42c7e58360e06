"""Prometheus scrape collector: reads an app's /metrics (Prometheus text or OpenMetrics) on an
interval and stores its series like any collector's.

Gauges are stored as they are, counters as per-second rates (``x_total`` -> ``x_per_second``),
histogram buckets as per-interval increases (``x_bucket_increase{le=...}``) from which a
quantile over any window is computed (see traffic/scrape.py and traffic/buckets.py). Every
series gets ``collector`` and ``instance`` (``host:port``) labels; an exposed label of either
name is kept as ``exported_<name>``, as Prometheus does.

With ``traffic`` (on by default when the app exposes ``http_requests_total`` or
``http_request_duration_seconds``) the collector also writes the standard request series of
traffic/interval.py, so the built-in error-rate and latency rules, latency SLOs and
``warden traffic top`` read the app's own numbers.

Each scrape also writes ``scrape_up``, ``scrape_duration_seconds``, ``scrape_series`` and
``scrape_series_dropped`` (series cut by ``series_limit``) per instance.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, Field, field_validator, model_validator

from warden.collectors._base import Collector, CollectorConfig, register
from warden.config._base import ConfigModel
from warden.config._types import Duration, Secret
from warden.engine.clock import Clock
from warden.errors import CollectorError
from warden.results import Sample, describe_exception
from warden.traffic.interval import RouteCounts, history_points, live_points
from warden.traffic.relabel import Relabeller, RelabelRule, check_regex
from warden.traffic.scrape import ACCEPT, ExpositionError, ScrapeResult, ScrapeState
from warden.traffic.scrape import parse_exposition as parse

log = logging.getLogger("warden.collectors")

MAX_BODY = 64 * 1024 * 1024
_OWN_LABELS = ("collector", "instance")
_STATUS_LABELS = ("status", "code", "status_code")
_ROUTE_LABELS = ("route", "handler", "path", "endpoint", "uri")


class TlsSettings(ConfigModel):
    ca_file: Path | None = Field(None, description="PEM CA bundle trusted instead of the system's.")
    cert_file: Path | None = Field(None, description="Client certificate (PEM) for mutual TLS.")
    key_file: Path | None = Field(None, description="Its private key (PEM).")
    verify: bool = Field(True, description="Verify the server certificate and host name.")

    @model_validator(mode="after")
    def _pair(self) -> TlsSettings:
        if self.key_file is not None and self.cert_file is None:
            raise ValueError("key_file needs cert_file")
        return self


class TrafficMapping(ConfigModel):
    """Which exposed metrics are the app's requests (standard names by default)."""

    enabled: bool = Field(True, description="Derive the standard request series.")
    service: str | None = Field(None, description="The service label (default: collector name).")
    requests: str = Field("http_requests_total", description="Counter of requests.")
    duration: str = Field(
        "http_request_duration_seconds", description="Histogram of request durations."
    )
    status_label: str | None = Field(None, description="Default: status, code or status_code.")
    route_label: str | None = Field(
        None, description="Default: route, handler, path, endpoint or uri."
    )
    method_label: str = "method"
    min_requests: int = Field(
        10, ge=1, description="Requests an interval needs before its error ratio is reported."
    )


class PrometheusConfig(CollectorConfig):
    model_config = ConfigDict(hide_input_in_errors=True)  # the input may hold credentials

    url: list[str] = Field(
        description="The /metrics URL to scrape, or a list of them (one per instance)."
    )
    timeout: Duration = Field(10.0, description="Give up on one scrape after this long.")
    username: str | None = Field(None, description="HTTP Basic user (with password).")
    password: Secret | None = Field(None, description="HTTP Basic password (or password_file).")
    bearer_token: Secret | None = Field(None, description="Bearer token (or bearer_token_file).")
    tls: TlsSettings = Field(default_factory=TlsSettings)
    keep: list[str] = Field(
        default_factory=list, description="Only metrics whose name matches one of these regexes."
    )
    drop: list[str] = Field(
        default_factory=list, description="Leave out metrics whose name matches one of these."
    )
    relabel: list[RelabelRule] = Field(
        default_factory=list, description="Prometheus-style metric_relabel_configs, in order."
    )
    series_limit: int = Field(
        2000, ge=1, description="Series kept per target and scrape; the rest are cut and counted."
    )
    traffic: TrafficMapping = Field(default_factory=TrafficMapping)

    @field_validator("url", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @field_validator("url")
    @classmethod
    def _urls(cls, v: list[str]) -> list[str]:
        from warden.probes._http_request import parse_target

        if not v:
            raise ValueError("give at least one URL")
        for url in v:
            try:
                parse_target(url)
            except ValueError as exc:
                raise ValueError(f"{url!r} {exc}") from None
        return v

    @field_validator("keep", "drop")
    @classmethod
    def _regexes(cls, v: list[str]) -> list[str]:
        return [check_regex(pattern) for pattern in v]

    @model_validator(mode="after")
    def _auth(self) -> PrometheusConfig:
        if (self.username is None) != (self.password is None):
            raise ValueError("basic auth needs both username and password")
        if self.username is not None and self.bearer_token is not None:
            raise ValueError("give basic auth or bearer_token, not both")
        return self

    def rules(self) -> list[RelabelRule]:
        """keep/drop as relabel rules on ``__name__``, before the explicit ones."""
        out = []
        if self.keep:
            wanted = "|".join(f"(?:{p})" for p in self.keep)
            out.append(RelabelRule(source_labels=["__name__"], regex=wanted, action="keep"))
        out += [RelabelRule(source_labels=["__name__"], regex=p, action="drop") for p in self.drop]
        return out + list(self.relabel)


class _Target:
    def __init__(self, url: str, config: PrometheusConfig) -> None:
        from warden.probes._http_request import parse_target

        self.url = url
        self.target = parse_target(url)
        host = self.target.host
        self.instance = (
            f"[{host}]:{self.target.port}" if ":" in host else (f"{host}:{self.target.port}")
        )
        self.state = ScrapeState(Relabeller(config.rules()), config.series_limit)
        self.warned_limit = False


@register
class PrometheusCollector(Collector[PrometheusConfig]):
    type = "prometheus"
    config_model = PrometheusConfig

    def __init__(self, name: str, config: PrometheusConfig, clock: Clock) -> None:
        super().__init__(name, config, clock)
        self.targets = [_Target(u, config) for u in config.url]
        self._tls: ssl.SSLContext | None = None

    async def collect(self) -> list[Sample]:
        now = self.clock.time()
        scrapes = await asyncio.gather(*(self._scrape(t, now) for t in self.targets))
        out = [s for samples, _, _ in scrapes for s in samples]
        errors = [e for _, _, e in scrapes if e]
        if len(errors) == len(self.targets):
            raise CollectorError("; ".join(errors))
        if self.config.traffic.enabled:
            out += self._traffic([r for _, r, _ in scrapes if r is not None], now)
        return out

    async def _scrape(
        self, t: _Target, now: float
    ) -> tuple[list[Sample], ScrapeResult | None, str | None]:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.config.timeout):
                body, content_type = await self._fetch(t)
            scraped = await asyncio.to_thread(parse, body, content_type)
        except (OSError, ssl.SSLError, ExpositionError, CollectorError) as exc:
            why = f"prometheus {t.url}: {describe_exception(exc)}"
            return [self.sample("scrape_up", 0.0, now, instance=t.instance)], None, why
        except TimeoutError:
            why = f"prometheus {t.url}: no answer within {self.config.timeout:g}s"
            return [self.sample("scrape_up", 0.0, now, instance=t.instance)], None, why
        took = time.perf_counter() - started
        result = t.state.observe(scraped, now)
        if result.dropped and not t.warned_limit:
            log.warning("%s: %s exposes more than %d series; %d cut (series_limit)",
                        self.name, t.url, self.config.series_limit, result.dropped)  # fmt: skip
        t.warned_limit = bool(result.dropped)
        out = [
            self.sample("scrape_up", 1.0, now, instance=t.instance),
            self.sample("scrape_duration_seconds", took, now, instance=t.instance),
            self.sample("scrape_series", result.series, now, instance=t.instance),
            self.sample("scrape_series_dropped", result.dropped, now, instance=t.instance),
        ]
        for p in result.points:
            out.append(self._stamp(p.name, p.labels, p.value, now, t.instance))
        return out, result, None

    def _stamp(self, name: str, labels: Any, value: float, now: float, instance: str) -> Sample:
        own = {f"exported_{k}" if k in _OWN_LABELS else k: v for k, v in labels.items()}
        return Sample(name, {**own, "collector": self.name, "instance": instance}, value, now)

    async def _fetch(self, t: _Target) -> tuple[str, str]:
        from warden.probes._http_client import Timing, decode_body, fetch
        from warden.probes._http_request import build_request

        headers = [("Accept", ACCEPT)]
        cfg = self.config
        if cfg.bearer_token is not None:
            headers.append(("Authorization", f"Bearer {cfg.bearer_token.get_secret_value()}"))
        elif cfg.username is not None and cfg.password is not None:
            import base64

            raw = f"{cfg.username}:{cfg.password.get_secret_value()}".encode()
            headers.append(("Authorization", "Basic " + base64.b64encode(raw).decode()))
        request = build_request("GET", t.target, headers, None, "warden-scrape")
        response = await fetch(
            t.target, request, Timing(time.perf_counter),
            tls_context=self._tls_context() if t.target.tls else None,
            head=False, keep_body=True, max_body=MAX_BODY,
        )  # fmt: skip
        if response.status != 200:
            raise CollectorError(f"HTTP {response.status} {response.reason}".strip())
        if response.truncated:
            raise CollectorError(f"the exposition is larger than {MAX_BODY // 2**20} MiB")
        body = decode_body(response.body, response.header(b"content-encoding"), MAX_BODY)
        content_type = (response.header(b"content-type") or "").strip().lower()
        return body.decode("utf-8", "replace"), content_type

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            tls = self.config.tls
            if tls.verify:
                ctx = ssl.create_default_context(cafile=str(tls.ca_file) if tls.ca_file else None)
            else:
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            if tls.cert_file is not None:
                ctx.load_cert_chain(tls.cert_file, tls.key_file)
            self._tls = ctx
        return self._tls

    def _traffic(self, results: list[ScrapeResult], now: float) -> list[Sample]:
        """The standard request series of every instance's interval together (one service)."""
        mapping = self.config.traffic
        routes: dict[tuple[str, str], RouteCounts] = {}
        spans = []
        for result in results:
            if result.elapsed is None:
                continue  # a first scrape only primes the counters
            found = _routes(result, mapping)
            if found is None:
                continue
            spans.append(result.elapsed)
            for key, r in found.items():
                into = routes.setdefault(key, RouteCounts(*key))
                into.requests += r.requests
                into.errors += r.errors
                into.add_buckets(r.buckets)
        if not spans:
            return []
        service = mapping.service or self.name
        span = sum(spans) / len(spans)
        points = live_points(service, list(routes.values()), span, mapping.min_requests)
        points += history_points(service, routes.values())
        return [self.sample(n, v, now, **labels) for n, labels, v in points]


Routes = dict[tuple[str, str], RouteCounts]


def _routes(result: ScrapeResult, mapping: TrafficMapping) -> Routes | None:
    """Per (method, route): requests, 5xx and the latency histogram of this interval; None
    when the app exposes neither the requests counter nor the duration histogram."""
    counter = result.increases.get(mapping.requests)
    histogram = result.histograms.get(mapping.duration)
    if counter is None and histogram is None:
        return None
    routes: dict[tuple[str, str], RouteCounts] = {}

    def route_of(labels: dict[str, str]) -> RouteCounts:
        route_label = mapping.route_label or next((k for k in _ROUTE_LABELS if k in labels), "")
        key = (labels.get(mapping.method_label, ""), labels.get(route_label, "") or "(all)")
        found = routes.get(key)
        if found is None:
            found = routes[key] = RouteCounts(*key)
        return found

    def status_of(labels: dict[str, str]) -> str:
        if mapping.status_label:
            return labels.get(mapping.status_label, "")
        return next((labels[k] for k in _STATUS_LABELS if k in labels), "")

    if counter is not None:
        for key, increase in counter.items():
            labels = dict(key)
            r = route_of(labels)
            r.requests += increase
            if status_of(labels).startswith("5"):
                r.errors += increase
    if histogram is not None:
        for key, buckets in histogram.items():
            labels = dict(key)
            r = route_of(labels)
            r.add_buckets(buckets)
            if counter is None:  # no counter: the histogram counts the requests
                n = sum(buckets.values())
                r.requests += n
                if status_of(labels).startswith("5"):
                    r.errors += n
    return routes
