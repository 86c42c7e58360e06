"""The ``tcp`` probe: connect to host:port, optionally over TLS, send bytes and check the reply.

Phases: ``dns``, ``connect``, ``tls`` (when ``tls: true``), then ``ttfb`` and ``transfer`` while
a reply is awaited. With ``expect`` and no ``send`` the server's greeting (banner) is checked.
"""

from __future__ import annotations

import functools
import ssl
from pathlib import Path

from pydantic import Field, model_validator

from warden.probes._base import Probe, ProbeConfig, register
from warden.probes._fields import ValueExpect
from warden.probes._net import (
    Stopwatch,
    Verdict,
    close_stream,
    down,
    join_host_port,
    open_stream,
    run_check,
    tls_context,
    up,
)
from warden.results import CheckResult, ErrorClass

MAX_REPLY = 64 * 1024
"""Bytes of reply read at most while looking for ``expect``."""


class TcpConfig(ProbeConfig):
    host: str = Field(min_length=1, description="Host name or IP address.")
    port: int = Field(ge=1, le=65535)
    send: str | None = Field(None, description="Text sent after connecting (UTF-8).")
    expect: ValueExpect | None = Field(None, description="Condition on the reply (or the banner).")
    tls: bool = Field(False, description="Start TLS after connecting.")
    server_name: str | None = Field(None, description="TLS name to send and verify (SNI).")
    verify: bool = Field(True, description="Verify the TLS certificate chain and name.")
    ca_file: Path | None = Field(None, description="CA bundle instead of the system CAs.")

    @model_validator(mode="after")
    def _tls_options(self) -> TcpConfig:
        if not self.tls and (self.server_name or self.ca_file or not self.verify):
            raise ValueError("server_name, ca_file and verify apply only with tls: true")
        return self

    def target(self) -> str:
        return ("tls://" if self.tls else "tcp://") + join_host_port(self.host, self.port)


@register
class TcpProbe(Probe[TcpConfig]):
    type = "tcp"
    config_model = TcpConfig

    async def check(self) -> CheckResult:
        return await run_check(self, self._run)

    @functools.cached_property
    def _tls(self) -> ssl.SSLContext | None:
        cfg = self.config
        return tls_context(verify=cfg.verify, ca_file=cfg.ca_file) if cfg.tls else None

    async def _run(self, watch: Stopwatch) -> Verdict:
        cfg = self.config
        ctx = self._tls
        reader, writer = await open_stream(
            cfg.host, cfg.port, watch, tls=ctx, server_hostname=cfg.server_name
        )
        try:
            if cfg.send is not None:
                writer.write(cfg.send.encode())
                await writer.drain()
            tls = ""
            if ctx is not None:
                tls = f" over {writer.get_extra_info('ssl_object').version()}"
            if cfg.expect is None:
                return up(f"connected to {join_host_port(cfg.host, cfg.port)}{tls}")
            reply = b""
            with watch.phase("ttfb"):
                chunk = await reader.read(4096)
            reply += chunk
            with watch.phase("transfer"):
                while chunk and len(reply) < MAX_REPLY and cfg.expect.failure(_text(reply)):
                    chunk = await reader.read(4096)
                    reply += chunk
        finally:
            await close_stream(writer)
        problem = cfg.expect.failure(_text(reply))
        if problem:
            return down(ErrorClass.ASSERTION, f"reply: {problem}")
        return up(f"reply matched ({len(reply)} bytes){tls}", {"reply_bytes": float(len(reply))})


def _text(reply: bytes) -> str:
    return reply.decode("utf-8", "replace")
