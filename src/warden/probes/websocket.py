"""The ``websocket`` probe: open a WebSocket, optionally send a text and check the answer.

Phases ``connect`` (resolve, TCP, TLS with ``wss://``, the HTTP upgrade) and ``message``
(from the send, or from the open with ``expect`` and no ``send``, to the first message).
Metric ``message_bytes``. An upgrade answered with 401 or 403 is ``auth``, with another status
``http_status``; a broken handshake or frame is ``protocol``; a close before the answer is
``reset``; an answer failing ``expect`` is ``assertion``.
"""

from __future__ import annotations

import functools
import ssl
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field, field_validator, model_validator

from warden._lazy import lazy_module
from warden.config._types import Secret, SecretUrl
from warden.probes._base import Probe, ProbeConfig, register
from warden.probes._fields import ValueExpect
from warden.probes._net import (
    CLOSE_TIMEOUT,
    Stopwatch,
    Verdict,
    down,
    one_line,
    run_check,
    tls_context,
    up,
)
from warden.results import CheckResult, ErrorClass

if TYPE_CHECKING:
    import websockets
    import websockets.asyncio.client
    import websockets.exceptions
else:
    websockets = lazy_module("websockets", "asyncio.client", "exceptions")

MAX_MESSAGE = 1024 * 1024


class WebsocketConfig(ProbeConfig):
    url: SecretUrl = Field(description="ws:// or wss:// URL; a token in its query is redacted.")
    headers: dict[str, Secret] = Field(
        default_factory=dict, description="Extra upgrade request headers (values are secret)."
    )
    subprotocols: list[str] = Field(default_factory=list, description="Subprotocols offered.")
    send: str | None = Field(None, description="Text message sent once open.")
    expect: ValueExpect | None = Field(None, description="Condition on the first message.")
    verify: bool = Field(True, description="Verify the server certificate (wss://).")
    ca_file: Path | None = Field(None, description="CA bundle for wss:// (default system).")

    @field_validator("url")
    @classmethod
    def _url(cls, value: SecretUrl) -> SecretUrl:
        if not value.get_secret_value().startswith(("ws://", "wss://")):
            raise ValueError("must be a ws:// or wss:// URL")
        return value

    @model_validator(mode="after")
    def _tls_options(self) -> WebsocketConfig:
        secure = self.url.get_secret_value().startswith("wss://")
        if not secure and (self.ca_file or not self.verify):
            raise ValueError("ca_file and verify apply only to wss:// URLs")
        return self

    def target(self) -> str:
        return self.url.display()

    def secrets(self) -> list[str]:
        return [v.get_secret_value() for v in self.headers.values()]


def classify(exc: BaseException, phase: str) -> ErrorClass | None:
    errors = websockets.exceptions
    if isinstance(exc, errors.InvalidStatus):
        status = exc.response.status_code
        return ErrorClass.AUTH if status in (401, 403) else ErrorClass.HTTP_STATUS
    if isinstance(exc, errors.ConnectionClosed):
        return ErrorClass.RESET
    if isinstance(exc, errors.InvalidHandshake | errors.ProtocolError | errors.PayloadTooBig):
        return ErrorClass.PROTOCOL
    return None


@register
class WebsocketProbe(Probe[WebsocketConfig]):
    type = "websocket"
    config_model = WebsocketConfig

    async def check(self) -> CheckResult:
        return await run_check(
            self,
            self._run,
            failures=(OSError, websockets.exceptions.WebSocketException),
            classify=classify,
            secrets=self.config.secrets(),
        )

    @functools.cached_property
    def _tls(self) -> ssl.SSLContext | None:
        cfg = self.config
        if not cfg.url.get_secret_value().startswith("wss://"):
            return None
        return tls_context(verify=cfg.verify, ca_file=cfg.ca_file)

    async def _run(self, watch: Stopwatch) -> Verdict:
        cfg = self.config
        with watch.phase("connect"):
            conn = await websockets.asyncio.client.connect(
                cfg.url.get_secret_value(),
                additional_headers={k: v.get_secret_value() for k, v in cfg.headers.items()},
                subprotocols=[websockets.Subprotocol(p) for p in cfg.subprotocols] or None,
                ssl=self._tls,
                proxy=None,
                open_timeout=None,  # run_check keeps the monitor's timeout
                ping_interval=None,
                close_timeout=CLOSE_TIMEOUT,
                max_size=MAX_MESSAGE,
                user_agent_header="warden",
            )
        try:
            if cfg.send is None and cfg.expect is None:
                chosen = f" (subprotocol {conn.subprotocol})" if conn.subprotocol else ""
                return up(f"connected{chosen}")
            with watch.phase("message"):
                if cfg.send is not None:
                    await conn.send(cfg.send)
                reply = await conn.recv()
        finally:
            await conn.close()
        text = reply if isinstance(reply, str) else reply.decode("utf-8", "replace")
        size = len(reply.encode()) if isinstance(reply, str) else len(reply)
        metrics = {"message_bytes": float(size)}
        if cfg.expect is not None and (problem := cfg.expect.failure(text)):
            return down(ErrorClass.ASSERTION, f"message: {problem}", metrics)
        return up(f"message: {one_line(text, 120)}", metrics)
