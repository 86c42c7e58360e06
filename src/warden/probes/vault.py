"""The ``vault`` probe: ``GET /v1/sys/health`` of HashiCorp Vault (or OpenBao), no token needed.

Vault tells its state by the status code: 200 active, 429 standby, 472 disaster-recovery
secondary, 473 performance standby, 501 not initialized, 503 sealed, 530 removed from its
cluster. Sealed, not initialized and removed are DOWN (``assertion``); the standby kinds are
what ``standby`` says (UP by default, as in an HA cluster); any other status is ``http_status``.
Phases as for ``http``; metrics ``initialized``, ``sealed``, ``standby`` (0 or 1) and
``status_code``.
"""

from __future__ import annotations

import functools
import ssl
from typing import Any, Literal

from pydantic import Field

from warden.probes._base import Probe, register
from warden.probes._http_json import (
    FAILURES,
    JsonApiConfig,
    classify,
    error_reason,
    get_json,
    status_error,
)
from warden.probes._net import Stopwatch, Verdict, down, one_line, run_check
from warden.results import CheckResult, ErrorClass, Status

STATES: dict[int, tuple[str, bool]] = {
    200: ("active", True),
    429: ("standby", True),
    472: ("disaster-recovery secondary", True),
    473: ("performance standby", True),
    501: ("not initialized", False),
    503: ("sealed", False),
    530: ("removed from its cluster", False),
}
"""Status code -> (state, healthy), as Vault documents ``/v1/sys/health``."""
_LEVELS = {"up": Status.UP, "degraded": Status.DEGRADED, "down": Status.DOWN}


class VaultConfig(JsonApiConfig):
    url: str = Field(description="Vault's address, e.g. https://vault.internal:8200")
    standby: Literal["up", "degraded", "down"] = Field(
        "up", description="Status of a standby, performance standby or DR secondary node."
    )


def health_metrics(status: int, body: Any) -> dict[str, float]:
    metrics = {"status_code": float(status)}
    if isinstance(body, dict):
        for key in ("initialized", "sealed", "standby"):
            if isinstance(body.get(key), bool):
                metrics[key] = float(body[key])
    return metrics


@register
class VaultProbe(Probe[VaultConfig]):
    type = "vault"
    config_model = VaultConfig

    async def check(self) -> CheckResult:
        return await run_check(self, self._run, failures=FAILURES, classify=classify)

    @functools.cached_property
    def _tls(self) -> ssl.SSLContext:
        return self.config.tls_context()

    async def _run(self, watch: Stopwatch) -> Verdict:
        cfg = self.config
        tls = self._tls if cfg.url.startswith("https:") else None
        reply = await get_json(f"{cfg.url}/v1/sys/health", [], watch, self.deps.clock, tls)
        if reply.status not in STATES:
            why = error_reason(reply.body) or one_line(reply.text, 120)
            return down(status_error(reply.status), f"HTTP {reply.status}" + (why and f": {why}"))
        state, healthy = STATES[reply.status]
        metrics = health_metrics(reply.status, reply.body)
        body = reply.body if isinstance(reply.body, dict) else {}
        about = ", ".join(
            f"{label} {body[key]}"
            for key, label in (("version", "version"), ("cluster_name", "cluster"))
            if body.get(key)
        )
        message = state + (f" ({about})" if about else "")
        if not healthy:
            return down(ErrorClass.ASSERTION, message, metrics)
        status = Status.UP if reply.status == 200 else _LEVELS[cfg.standby]
        error = ErrorClass.NONE if status is Status.UP else ErrorClass.ASSERTION
        return Verdict(status, message, error, metrics)
