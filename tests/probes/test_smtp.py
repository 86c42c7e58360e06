"""The smtp probe against aiosmtpd servers on 127.0.0.1 with trustme certificates."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pydantic
import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.conftest import free_port
from warden.probes import ProbeDeps
from warden.probes.smtp import SmtpConfig, SmtpProbe
from warden.results import CheckResult, ErrorClass, Status

LOGIN = ("mailer", "smtp-secret-3")
# aiosmtpd 1.4 sets its own deprecated Session.login_data after a successful AUTH.
pytestmark = pytest.mark.filterwarnings("ignore:Session.login_data:DeprecationWarning")


class Sink:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 OK"


def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        LOGIN[0].encode(),
        LOGIN[1].encode(),
    )
    return AuthResult(success=ok, handled=False)  # aiosmtpd answers 535 itself


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def ca_file(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("smtp") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def server_context(ca: trustme.CA) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
    return ctx


def serve(**kwargs: Any) -> Iterator[int]:
    port = free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def starttls(ca: trustme.CA) -> Iterator[int]:
    """STARTTLS offered; AUTH (after TLS) with one known user."""
    yield from serve(
        tls_context=server_context(ca), authenticator=authenticate, auth_require_tls=True
    )


@pytest.fixture(scope="module")
def plain() -> Iterator[int]:
    """No TLS at all, no AUTH."""
    yield from serve()


@pytest.fixture(scope="module")
def implicit(ca: trustme.CA) -> Iterator[int]:
    """TLS from the first byte (SMTPS)."""
    yield from serve(ssl_context=server_context(ca))


async def run(config: dict[str, Any], timeout: float = 5.0) -> CheckResult:
    return await SmtpProbe("mail", SmtpConfig.model_validate(config), timeout, ProbeDeps()).check()


@pytest.mark.integration
@pytest.mark.parametrize(
    ("settings", "status", "error", "needle"),
    [
        ({}, Status.UP, "", "TLS 1.3"),
        ({"ca_file": None}, Status.DOWN, "tls", "CERTIFICATE_VERIFY_FAILED"),
        ({"ca_file": None, "verify": False}, Status.UP, "", "220 "),
        ({"expect": {"regex": "^220 .*ESMTP|Python SMTP"}}, Status.UP, "", "220 "),
        ({"expect": {"contains": "Postfix"}}, Status.DOWN, "assertion", "greeting: expected"),
        ({"username": LOGIN[0], "password": LOGIN[1]}, Status.UP, "", "logged in as mailer"),
        ({"username": LOGIN[0], "password": "wrong"}, Status.DOWN, "auth", "535"),
    ],
)
async def test_starttls_server(
    starttls: int, ca_file: str, settings: dict[str, Any], status: Status, error: str, needle: str
) -> None:
    config = {"host": "127.0.0.1", "port": starttls, "ca_file": ca_file} | settings
    result = await run({k: v for k, v in config.items() if v is not None})
    assert result.status is status, result.message
    assert result.error == error
    assert needle in result.message
    assert "connect" in result.phases
    assert "smtp-secret-3" not in result.message
    assert "wrong" not in result.message
    if status is Status.UP and settings.get("verify", True):
        assert result.metrics["tls_version"] == 1.3
        assert result.metrics["cert_days_left"] > 0  # trustme certificates last for centuries


@pytest.mark.integration
@pytest.mark.parametrize(
    ("settings", "status", "error", "needle"),
    [
        ({}, Status.DOWN, "tls", "does not offer STARTTLS"),
        ({"tls": "none"}, Status.UP, "", "220 "),
        ({"tls": "none", "username": "u", "password": "p"}, Status.DOWN, "auth", "no AUTH"),
    ],
)
async def test_plain_server(
    plain: int, settings: dict[str, Any], status: Status, error: str, needle: str
) -> None:
    result = await run({"host": "127.0.0.1", "port": plain, **settings})
    assert result.status is status, result.message
    assert result.error == error
    assert needle in result.message
    assert "tls" not in result.phases
    assert result.metrics == {}


@pytest.mark.integration
async def test_implicit_tls(implicit: int, ca_file: str) -> None:
    config = {"host": "127.0.0.1", "port": implicit, "tls": "implicit", "ca_file": ca_file}
    result = await run(config)
    assert result.status is Status.UP, result.message
    assert "tls" not in result.phases  # the handshake is part of connect
    assert result.metrics["tls_version"] >= 1.2


async def test_refused() -> None:
    result = await run({"host": "127.0.0.1", "port": free_port()})
    assert result.error is ErrorClass.REFUSED, result.message


async def test_silent_server_times_out(silent_port: int) -> None:
    result = await run({"host": "127.0.0.1", "port": silent_port}, timeout=0.5)
    assert result.error is ErrorClass.TIMEOUT
    assert "during connect" in result.message


@pytest.mark.parametrize(
    ("config", "complaint"),
    [
        ({"host": "h", "username": "u"}, "username and password together"),
        ({"host": "h", "tls": "none", "ca_file": "/x"}, "only with TLS"),
        ({"host": "h", "tls": "implicit", "server_name": "mx"}, "only with tls: starttls"),
        ({"host": "h", "tls": "ssl"}, "'starttls', 'implicit' or 'none'"),
    ],
)
def test_config_errors(config: dict[str, Any], complaint: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=complaint):
        SmtpConfig.model_validate(config)


@pytest.mark.parametrize(
    ("config", "target"),
    [
        ({"host": "mx.example"}, "smtp://mx.example:25"),
        ({"host": "mx.example", "tls": "implicit"}, "smtps://mx.example:465"),
        ({"host": "::1", "port": 587}, "smtp://[::1]:587"),
    ],
)
def test_target(config: dict[str, Any], target: str, tmp_path: Path) -> None:
    assert SmtpConfig.model_validate(config).target() == target
