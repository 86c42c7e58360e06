"""The ``mqtt`` probe: connect to a broker, subscribe to a fresh topic, publish and receive.

Phases ``connect`` (TCP, TLS with ``mqtts://``, CONNECT/CONNACK), ``subscribe`` and
``roundtrip`` (PUBLISH until the same message comes back). Metric ``roundtrip_seconds``. The
topic is ``<topic>/<random>``, new each check, never retained. A CONNACK refusing the login
and a refused subscription are ``auth``; a broker that drops the publish (an ACL on
publishing, silent in MQTT 3.1.1) lets the check time out during ``roundtrip``.
"""

from __future__ import annotations

import functools
import secrets
import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal
from urllib.parse import unquote, urlsplit

from pydantic import Field, field_validator

from warden._lazy import lazy_module
from warden.probes._base import Probe, register
from warden.probes._fields import ServiceConfig
from warden.probes._net import Stopwatch, Verdict, close_quietly, down, run_check, tls_context, up
from warden.results import CheckResult, ErrorClass

if TYPE_CHECKING:
    import aiomqtt
else:
    aiomqtt = lazy_module("aiomqtt")

_AUTH_CODES = {4, 5, 134, 135, 140}
"""CONNACK codes for a refused login: 3.1.1's 4 and 5, MQTT 5's 134, 135 and 140."""
_WILDCARDS = set("+#")


class MqttConfig(ServiceConfig):
    schemes: ClassVar[tuple[str, ...]] = ("mqtt", "mqtts")

    topic: str = Field("warden/probe", description="Topic prefix; the probe adds /<random>.")
    qos: Literal[0, 1, 2] = Field(1, description="QoS of the subscription and the publish.")
    client_id: str = Field("warden", description="Client identifier prefix (-<random> added).")
    verify: bool = Field(True, description="Verify the broker certificate (mqtts://).")
    ca_file: Path | None = Field(None, description="CA bundle for mqtts:// (default system).")

    @field_validator("topic")
    @classmethod
    def _topic(cls, value: str) -> str:
        value = value.rstrip("/")
        if not value or _WILDCARDS & set(value) or "\x00" in value:
            raise ValueError("must be a topic name without wildcards (+, #)")
        return value

    def address(self) -> tuple[str, int, bool]:
        """(host, port, tls) of the broker."""
        parts = urlsplit(self.url.get_secret_value())
        tls = parts.scheme == "mqtts"
        return parts.hostname or "", parts.port or (8883 if tls else 1883), tls


def classify(exc: BaseException, phase: str) -> ErrorClass | None:
    if isinstance(exc, aiomqtt.MqttCodeError):
        code = getattr(exc.rc, "value", exc.rc)
        return ErrorClass.AUTH if code in _AUTH_CODES else ErrorClass.PROTOCOL
    if isinstance(exc, aiomqtt.MqttError) and "timed out" in str(exc):
        return ErrorClass.TIMEOUT
    return None  # MqttError keeps the socket error as its context: refused, dns, tls, ...


def _refused(granted: Any) -> bool:
    """True if a SUBACK refused the subscription (0x80 or an MQTT 5 failure code)."""
    codes = granted if isinstance(granted, list | tuple) else [granted]
    return any(int(getattr(code, "value", code) or 0) >= 0x80 for code in codes)


@register
class MqttProbe(Probe[MqttConfig]):
    type = "mqtt"
    config_model = MqttConfig

    async def check(self) -> CheckResult:
        return await run_check(
            self,
            self._run,
            failures=(OSError, aiomqtt.MqttError),
            classify=classify,
            secrets=self.config.secrets(),
        )

    @functools.cached_property
    def _tls(self) -> ssl.SSLContext | None:
        cfg = self.config
        tls = cfg.address()[2]
        return tls_context(verify=cfg.verify, ca_file=cfg.ca_file) if tls else None

    async def _run(self, watch: Stopwatch) -> Verdict:
        cfg = self.config
        host, port, _ = cfg.address()
        token = secrets.token_hex(8)
        user = urlsplit(cfg.url.get_secret_value()).username
        client = aiomqtt.Client(
            host,
            port,
            username=unquote(user) if user else None,
            password=cfg.password_text(),
            identifier=f"{cfg.client_id}-{token}",
            timeout=self.timeout,
            clean_session=True,
            tls_context=self._tls,
            tls_insecure=not cfg.verify if self._tls else None,
        )
        topic, payload = f"{cfg.topic}/{token}", secrets.token_hex(16).encode()
        with watch.phase("connect"):
            await client.__aenter__()
        try:
            with watch.phase("subscribe"):
                granted = await client.subscribe(topic, qos=cfg.qos)
            if _refused(granted):
                return down(ErrorClass.AUTH, f"the broker refused the subscription to {topic}")
            clock = self.deps.clock
            with watch.phase("roundtrip"):
                sent = clock.monotonic()
                await client.publish(topic, payload, qos=cfg.qos)
                async for message in client.messages:
                    if message.payload == payload:
                        break
                elapsed = clock.monotonic() - sent
        finally:
            await close_quietly(client.__aexit__(None, None, None))
        return up(f"published and received on {topic}", {"roundtrip_seconds": elapsed})
