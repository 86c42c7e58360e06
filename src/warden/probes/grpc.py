"""The ``grpc`` probe: the standard health-checking protocol, ``grpc.health.v1.Health/Check``.

Phases ``connect`` (name resolution, TCP, TLS and HTTP/2 until the channel is ready or has
failed) and ``query`` (the ``Check`` call for ``service``; "" asks for the whole server).
SERVING is UP; NOT_SERVING, UNKNOWN and an unknown service (``NOT_FOUND``) are DOWN
``assertion``. UNAUTHENTICATED and PERMISSION_DENIED are ``auth``; a server without the health
service (UNIMPLEMENTED) is ``protocol``; UNAVAILABLE is ``refused``, ``tls``, ``dns`` or
``reset`` by its details.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field, field_validator, model_validator

from warden._lazy import lazy_module
from warden.config._types import Secret
from warden.probes._base import Probe, ProbeConfig, register
from warden.probes._net import Stopwatch, Verdict, down, one_line, run_check, split_host_port, up
from warden.results import CheckResult, ErrorClass

if TYPE_CHECKING:
    import grpc
    import grpc.aio
    from grpc_health.v1 import health_pb2, health_pb2_grpc
else:
    grpc = lazy_module("grpc", "aio")
    health_pb2 = lazy_module("grpc_health.v1.health_pb2")
    health_pb2_grpc = lazy_module("grpc_health.v1.health_pb2_grpc")

_UNAVAILABLE = (
    ("refused", ErrorClass.REFUSED),
    ("handshake", ErrorClass.TLS),
    ("ssl", ErrorClass.TLS),
    ("certificate", ErrorClass.TLS),
    ("verification", ErrorClass.TLS),
    ("dns", ErrorClass.DNS),
    ("resolve", ErrorClass.DNS),
    ("reset", ErrorClass.RESET),
    ("socket closed", ErrorClass.RESET),
)
_SETTLED = ("READY", "TRANSIENT_FAILURE", "SHUTDOWN")


class GrpcConfig(ProbeConfig):
    address: str = Field(description="host:port of the gRPC server.")
    service: str = Field("", description='Service name to ask about ("" is the whole server).')
    tls: bool = Field(False, description="Connect with TLS (the certificate is always verified).")
    ca_file: Path | None = Field(None, description="CA bundle for TLS (default system).")
    server_name: str | None = Field(None, description="TLS name to verify (default the host).")
    metadata: dict[str, Secret] = Field(
        default_factory=dict, description="Request metadata, e.g. authorization: Bearer ..."
    )

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        _, port = split_host_port(value, 0)
        if not port:
            raise ValueError("must be host:port")
        return value.strip()

    @field_validator("metadata")
    @classmethod
    def _keys(cls, value: dict[str, Secret]) -> dict[str, Secret]:
        for key in value:
            if not key or key != key.lower() or not all(c.isalnum() or c in "-_." for c in key):
                raise ValueError(f"{key!r}: metadata keys are lower-case letters, digits, -_.")
        return value

    @model_validator(mode="after")
    def _tls_options(self) -> GrpcConfig:
        if not self.tls and (self.ca_file or self.server_name):
            raise ValueError("ca_file and server_name apply only with tls: true")
        return self

    def target(self) -> str:
        where = ("grpcs://" if self.tls else "grpc://") + self.address
        return f"{where} {self.service}" if self.service else where


def classify_rpc(code: str, details: str) -> ErrorClass:
    """The error class of a failed call, by its status code name and details."""
    if code in ("UNAUTHENTICATED", "PERMISSION_DENIED"):
        return ErrorClass.AUTH
    if code == "DEADLINE_EXCEEDED":
        return ErrorClass.TIMEOUT
    if code == "UNIMPLEMENTED":
        return ErrorClass.PROTOCOL
    if code == "NOT_FOUND":
        return ErrorClass.ASSERTION
    if code == "UNAVAILABLE":
        text = details.lower()
        return next((cls for word, cls in _UNAVAILABLE if word in text), ErrorClass.ERROR)
    return ErrorClass.ERROR


@register
class GrpcProbe(Probe[GrpcConfig]):
    type = "grpc"
    config_model = GrpcConfig

    async def check(self) -> CheckResult:
        secrets = [v.get_secret_value() for v in self.config.metadata.values()]
        return await run_check(self, self._run, secrets=secrets)

    @functools.cached_property
    def _credentials(self) -> Any:
        cfg = self.config
        roots = cfg.ca_file.read_bytes() if cfg.ca_file else None
        return grpc.ssl_channel_credentials(root_certificates=roots)

    def _channel(self) -> grpc.aio.Channel:
        cfg = self.config
        options = [("grpc.enable_retries", 0)]
        if not cfg.tls:
            return grpc.aio.insecure_channel(cfg.address, options=options)
        if cfg.server_name:
            options.append(("grpc.ssl_target_name_override", cfg.server_name))  # type: ignore[arg-type]
        return grpc.aio.secure_channel(cfg.address, self._credentials, options=options)

    async def _run(self, watch: Stopwatch) -> Verdict:
        cfg = self.config
        metadata = [(k, v.get_secret_value()) for k, v in cfg.metadata.items()]
        channel = self._channel()
        try:
            with watch.phase("connect"):
                state = channel.get_state(try_to_connect=True)
                while state.name not in _SETTLED:
                    await channel.wait_for_state_change(state)
                    state = channel.get_state(try_to_connect=True)
            stub: Any = health_pb2_grpc.HealthStub(channel)  # the stubs lack its methods
            request = health_pb2.HealthCheckRequest(service=cfg.service)
            with watch.phase("query"):
                try:
                    reply = await stub.Check(
                        request, timeout=self.timeout, metadata=metadata, wait_for_ready=False
                    )
                except grpc.aio.AioRpcError as exc:
                    code, details = exc.code().name, exc.details() or ""
                    why = f"{code}: {one_line(details, 200)}" if details else code
                    return down(classify_rpc(code, details), why)
        finally:
            await channel.close()
        status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
        what = f"{cfg.service!r}: " if cfg.service else ""
        if status != "SERVING":
            return down(ErrorClass.ASSERTION, f"{what}{status}")
        return up(f"{what}{status}")
