"""The ``elasticsearch`` probe: ``GET /_cluster/health``, green/yellow/red as up/degraded/down.

Phases as for ``http`` (``dns``, ``connect``, ``tls``, ``ttfb``, ``transfer``). Metrics:
``status`` (0 green, 1 yellow, 2 red), ``nodes``, ``data_nodes``, ``active_shards``,
``active_primary_shards``, ``relocating_shards``, ``initializing_shards``,
``unassigned_shards``, ``pending_tasks`` and ``active_shards_percent``. Red is DOWN and yellow
DEGRADED (or what ``yellow`` says), both ``assertion``; fewer nodes than ``min_nodes`` or more
unassigned shards than ``max_unassigned_shards`` is DEGRADED. 401 and 403 are ``auth``.
``ClusterHealthProbe`` is shared with the ``opensearch`` probe, which reads the same API.
"""

from __future__ import annotations

import functools
import ssl
from typing import Any, Generic, Literal, TypeVar

from pydantic import Field, model_validator

from warden.config._types import Secret
from warden.probes._base import Probe, register
from warden.probes._http_json import (
    FAILURES,
    BasicAuthConfig,
    classify,
    error_reason,
    get_json,
    status_error,
)
from warden.probes._net import Stopwatch, Verdict, down, one_line, run_check
from warden.results import CheckResult, ErrorClass, Status

COLORS = {"green": Status.UP, "yellow": Status.DEGRADED, "red": Status.DOWN}
_LEVELS = {"up": Status.UP, "degraded": Status.DEGRADED, "down": Status.DOWN}
_METRICS = {
    "number_of_nodes": "nodes",
    "number_of_data_nodes": "data_nodes",
    "active_shards": "active_shards",
    "active_primary_shards": "active_primary_shards",
    "relocating_shards": "relocating_shards",
    "initializing_shards": "initializing_shards",
    "unassigned_shards": "unassigned_shards",
    "delayed_unassigned_shards": "delayed_unassigned_shards",
    "number_of_pending_tasks": "pending_tasks",
    "active_shards_percent_as_number": "active_shards_percent",
}


class SearchConfig(BasicAuthConfig):
    """Settings shared by the search-cluster probes."""

    yellow: Literal["up", "degraded", "down"] = Field(
        "degraded", description="Status of a yellow cluster (a one-node cluster with replicas)."
    )
    min_nodes: int | None = Field(None, ge=1, description="DEGRADED with fewer nodes.")
    max_unassigned_shards: int | None = Field(
        None, ge=0, description="DEGRADED with more unassigned shards."
    )


class ElasticsearchConfig(SearchConfig):
    api_key: Secret | None = Field(
        None, description="Encoded API key, sent as 'Authorization: ApiKey ...' (or api_key_file)."
    )

    @model_validator(mode="after")
    def _one_auth(self) -> ElasticsearchConfig:
        if self.api_key is not None and self.username is not None:
            raise ValueError("give api_key or username and password, not both")
        return self

    def auth_headers(self) -> list[tuple[str, str]]:
        if self.api_key is not None:
            return [("Authorization", "ApiKey " + self.api_key.get_secret_value())]
        return super().auth_headers()

    def secrets(self) -> list[str]:
        extra = [self.api_key.get_secret_value()] if self.api_key else []
        return super().secrets() + extra


S = TypeVar("S", bound=SearchConfig)


def health_metrics(body: dict[str, Any]) -> dict[str, float]:
    """Numbers of a cluster health answer, under the probe's metric names."""
    out = {"status": float(list(COLORS).index(body["status"]))}
    for key, name in _METRICS.items():
        value = body.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[name] = float(value)
    return out


class ClusterHealthProbe(Probe[S], Generic[S]):
    """Reads ``/_cluster/health`` of an Elasticsearch or OpenSearch cluster."""

    product = "Elasticsearch"

    async def check(self) -> CheckResult:
        return await run_check(
            self, self._run, failures=FAILURES, classify=classify, secrets=self.config.secrets()
        )

    @functools.cached_property
    def _tls(self) -> ssl.SSLContext:
        return self.config.tls_context()

    async def _run(self, watch: Stopwatch) -> Verdict:
        cfg = self.config
        tls = self._tls if cfg.url.startswith("https:") else None
        reply = await get_json(
            f"{cfg.url}/_cluster/health", cfg.auth_headers(), watch, self.deps.clock, tls
        )
        if reply.status != 200:
            why = error_reason(reply.body) or one_line(reply.text, 120)
            return down(status_error(reply.status), f"HTTP {reply.status}" + (why and f": {why}"))
        body = reply.body
        if not isinstance(body, dict) or body.get("status") not in COLORS:
            return down(ErrorClass.PROTOCOL, f"not a {self.product} cluster health answer")
        return self._judge(body, health_metrics(body))

    def _judge(self, body: dict[str, Any], metrics: dict[str, float]) -> Verdict:
        cfg = self.config
        color = str(body["status"])
        unassigned = metrics.get("unassigned_shards", 0.0)
        message = (
            f"cluster {body.get('cluster_name', '?')!r} {color}: {metrics.get('nodes', 0):g} "
            f"nodes, {metrics.get('active_shards', 0):g} shards active, {unassigned:g} unassigned"
        )
        status = COLORS[color] if color != "yellow" else _LEVELS[cfg.yellow]
        if status is not Status.UP:
            return Verdict(status, message, ErrorClass.ASSERTION, metrics)
        problem = ""
        if cfg.min_nodes is not None and metrics.get("nodes", 0) < cfg.min_nodes:
            problem = f"fewer than {cfg.min_nodes} nodes"
        elif cfg.max_unassigned_shards is not None and unassigned > cfg.max_unassigned_shards:
            problem = f"more than {cfg.max_unassigned_shards} unassigned shards"
        if problem:
            return Verdict(Status.DEGRADED, f"{message} ({problem})", ErrorClass.ASSERTION, metrics)
        return Verdict(Status.UP, message, ErrorClass.NONE, metrics)


@register
class ElasticsearchProbe(ClusterHealthProbe[ElasticsearchConfig]):
    type = "elasticsearch"
    config_model = ElasticsearchConfig
