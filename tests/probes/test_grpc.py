"""The grpc probe against grpcio servers on 127.0.0.1 running the standard health service."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import grpc
import pydantic
import pytest
import trustme
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from tests.conftest import free_port
from warden.probes import ProbeDeps
from warden.probes.grpc import GrpcConfig, GrpcProbe, classify_rpc
from warden.results import CheckResult, ErrorClass, Status

TOKEN = "Bearer grpc-token-5"
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


class NeedsToken(grpc.ServerInterceptor):
    """Refuses calls without ``authorization: <TOKEN>``."""

    def intercept_service(self, continuation: Callable[..., Any], details: Any) -> Any:
        if dict(details.invocation_metadata).get("authorization") == TOKEN:
            return continuation(details)

        def refuse(request: Any, context: grpc.ServicerContext) -> Any:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "no valid token")

        return grpc.unary_unary_rpc_method_handler(refuse)


def start(
    *, with_health: bool = True, interceptors: tuple[Any, ...] = (), tls: Any = None
) -> tuple[grpc.Server, int]:
    server = grpc.server(ThreadPoolExecutor(max_workers=4), interceptors=interceptors)
    if with_health:
        servicer = health.HealthServicer()
        servicer.set("", SERVING)
        servicer.set("shop.Orders", SERVING)
        servicer.set("shop.Billing", NOT_SERVING)
        health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    if tls is None:
        port = server.add_insecure_port("127.0.0.1:0")
    else:
        port = server.add_secure_port("127.0.0.1:0", tls)
    server.start()
    return server, port


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def servers(ca: trustme.CA) -> Iterator[dict[str, int]]:
    cert = ca.issue_cert("warden-grpc.test")
    tls = grpc.ssl_server_credentials(
        [(cert.private_key_pem.bytes(), cert.cert_chain_pems[0].bytes())]
    )
    started = {
        "plain": start(),
        "bare": start(with_health=False),
        "token": start(interceptors=(NeedsToken(),)),
        "tls": start(tls=tls),
    }
    yield {name: port for name, (_, port) in started.items()}
    for server, _ in started.values():
        server.stop(None).wait()


@pytest.fixture(scope="module")
def ca_file(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("grpc") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


async def run(config: dict[str, Any], timeout: float = 5.0) -> CheckResult:
    return await GrpcProbe("rpc", GrpcConfig.model_validate(config), timeout, ProbeDeps()).check()


@pytest.mark.integration
@pytest.mark.parametrize(
    ("server", "settings", "status", "error", "needle"),
    [
        ("plain", {}, Status.UP, "", "SERVING"),
        ("plain", {"service": "shop.Orders"}, Status.UP, "", "'shop.Orders': SERVING"),
        ("plain", {"service": "shop.Billing"}, Status.DOWN, "assertion", "NOT_SERVING"),
        ("plain", {"service": "shop.Nope"}, Status.DOWN, "assertion", "NOT_FOUND"),
        ("bare", {}, Status.DOWN, "protocol", "UNIMPLEMENTED"),
        ("token", {}, Status.DOWN, "auth", "UNAUTHENTICATED: no valid token"),
        ("token", {"metadata": {"authorization": TOKEN}}, Status.UP, "", "SERVING"),
        ("tls", {"tls": True, "server_name": "warden-grpc.test"}, Status.DOWN, "tls", ""),
        ("tls", {"tls": True, "ca": 1}, Status.DOWN, "tls", ""),  # the name does not match
        ("tls", {"tls": True, "server_name": "warden-grpc.test", "ca": 1}, Status.UP, "", ""),
    ],
)
async def test_health(
    servers: dict[str, int],
    ca_file: str,
    server: str,
    settings: dict[str, Any],
    status: Status,
    error: str,
    needle: str,
) -> None:
    config = {"address": f"127.0.0.1:{servers[server]}", **settings}
    if config.pop("ca", None):
        config["ca_file"] = ca_file  # else the system CAs, which do not know trustme's
    result = await run(config)
    assert result.status is status, result.message
    assert result.error == error
    assert needle in result.message
    assert "grpc-token-5" not in result.message
    assert set(result.phases) == {"connect", "query"}


async def test_refused() -> None:
    result = await run({"address": f"127.0.0.1:{free_port()}"})
    assert result.status is Status.DOWN
    assert result.error is ErrorClass.REFUSED, result.message


async def test_silent_server_times_out(silent_port: int) -> None:
    result = await run({"address": f"127.0.0.1:{silent_port}"}, timeout=0.5)
    assert result.error is ErrorClass.TIMEOUT, result.message


@pytest.mark.parametrize(
    ("code", "details", "error"),
    [
        ("UNAVAILABLE", "failed to connect to all addresses; Connection refused", "refused"),
        ("UNAVAILABLE", "Ssl handshake failed", "tls"),
        ("UNAVAILABLE", "DNS resolution failed for nowhere.invalid", "dns"),
        ("UNAVAILABLE", "Socket closed", "reset"),
        ("PERMISSION_DENIED", "", "auth"),
        ("DEADLINE_EXCEEDED", "", "timeout"),
        ("INTERNAL", "boom", "error"),
    ],
)
def test_classify(code: str, details: str, error: str) -> None:
    assert classify_rpc(code, details) == error


@pytest.mark.parametrize(
    ("config", "complaint"),
    [
        ({"address": "localhost"}, "must be host:port"),
        ({"address": "h:1", "ca_file": "/x"}, "only with tls: true"),
        ({"address": "h:1", "metadata": {"Authorization": "x"}}, "lower-case"),
    ],
)
def test_config_errors(config: dict[str, Any], complaint: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=complaint):
        GrpcConfig.model_validate(config)


def test_target(tmp_path: Path) -> None:
    cfg = GrpcConfig.model_validate({"address": "h:50051", "tls": True, "service": "a.B"})
    assert cfg.target() == "grpcs://h:50051 a.B"
    assert "secret" not in repr(
        GrpcConfig.model_validate({"address": "h:1", "metadata": {"x-token": "secret"}})
    )
