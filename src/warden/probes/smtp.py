"""The ``smtp`` probe: the server's greeting, EHLO, STARTTLS (or implicit TLS), optional AUTH.

Phases ``connect`` (TCP, implicit TLS, the 220 greeting, EHLO), ``tls`` (STARTTLS and the
EHLO after it) and ``auth``; the session ends with QUIT, no mail is sent. Metrics
``cert_days_left`` and ``tls_version`` once TLS is up (a verified certificate only). A greeting
that is not 220 is ``error``; no STARTTLS offered (with ``tls: starttls``) or a failed
handshake is ``tls``; a refused login, or AUTH not offered, is ``auth``; a greeting failing
``expect`` is ``assertion``.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from warden._lazy import lazy_module
from warden.config._types import Secret
from warden.probes._base import Probe, ProbeConfig, register
from warden.probes._fields import ValueExpect
from warden.probes._net import (
    Stopwatch,
    Verdict,
    down,
    join_host_port,
    one_line,
    run_check,
    tls_context,
    up,
)
from warden.results import CheckResult, ErrorClass

if TYPE_CHECKING:
    import aiosmtplib
else:
    aiosmtplib = lazy_module("aiosmtplib")


class SmtpConfig(ProbeConfig):
    host: str = Field(min_length=1, description="Host name or IP address.")
    port: int | None = Field(None, ge=1, le=65535, description="Default 25, or 465 (implicit).")
    tls: Literal["starttls", "implicit", "none"] = Field(
        "starttls", description="starttls (must be offered), implicit (SMTPS) or none."
    )
    username: str | None = Field(None, description="Log in with AUTH as this user.")
    password: Secret | None = Field(None, description="Password for AUTH (or password_file).")
    helo: str = Field("warden.invalid", description="Name sent with EHLO.")
    expect: ValueExpect | None = Field(None, description="Condition on the greeting (banner).")
    server_name: str | None = Field(None, description="STARTTLS name to verify (default host).")
    verify: bool = Field(True, description="Verify the TLS certificate chain and name.")
    ca_file: Path | None = Field(None, description="CA bundle instead of the system CAs.")

    @model_validator(mode="after")
    def _consistent(self) -> SmtpConfig:
        if (self.username is None) != (self.password is None):
            raise ValueError("give username and password together")
        if self.tls == "none" and (self.server_name or self.ca_file or not self.verify):
            raise ValueError("server_name, ca_file and verify apply only with TLS")
        if self.tls == "implicit" and self.server_name:
            raise ValueError("server_name applies only with tls: starttls")
        return self

    def address(self) -> tuple[str, int]:
        return self.host, self.port or (465 if self.tls == "implicit" else 25)

    def target(self) -> str:
        scheme = "smtps" if self.tls == "implicit" else "smtp"
        return f"{scheme}://{join_host_port(*self.address())}"


def classify(exc: BaseException, phase: str) -> ErrorClass | None:
    errors = aiosmtplib
    if isinstance(exc, errors.SMTPAuthenticationError):
        return ErrorClass.AUTH
    if isinstance(exc, errors.SMTPTimeoutError):
        return ErrorClass.TIMEOUT
    if isinstance(exc, errors.SMTPConnectResponseError):
        return ErrorClass.ERROR
    if isinstance(exc, errors.SMTPServerDisconnected) and exc.__cause__ is None:
        return ErrorClass.RESET
    return None  # socket and TLS errors are found along the exception's chain


@register
class SmtpProbe(Probe[SmtpConfig]):
    type = "smtp"
    config_model = SmtpConfig

    async def check(self) -> CheckResult:
        secrets = [self.config.password.get_secret_value()] if self.config.password else []
        return await run_check(
            self,
            self._run,
            failures=(OSError, aiosmtplib.SMTPException),
            classify=classify,
            secrets=secrets,
        )

    @functools.cached_property
    def _tls(self) -> ssl.SSLContext | None:
        cfg = self.config
        return None if cfg.tls == "none" else tls_context(verify=cfg.verify, ca_file=cfg.ca_file)

    async def _run(self, watch: Stopwatch) -> Verdict:
        cfg = self.config
        host, port = cfg.address()
        client = aiosmtplib.SMTP(
            hostname=host,
            port=port,
            local_hostname=cfg.helo,
            timeout=self.timeout,
            use_tls=cfg.tls == "implicit",
            start_tls=False,
            tls_context=self._tls,
            validate_certs=cfg.verify,
        )
        try:
            with watch.phase("connect"):
                greeting = await client.connect()
                await client.ehlo()
            banner = f"{greeting.code} {greeting.message}"
            if cfg.expect is not None and (problem := cfg.expect.failure(banner)):
                return down(ErrorClass.ASSERTION, f"greeting: {problem}")
            if cfg.tls == "starttls":
                if not client.supports_extension("starttls"):
                    return down(ErrorClass.TLS, "the server does not offer STARTTLS")
                with watch.phase("tls"):
                    await client.starttls(server_hostname=cfg.server_name or host)
                    await client.ehlo()
            metrics = self._tls_metrics(client)
            if cfg.username is not None and cfg.password is not None:
                if not client.supports_extension("auth"):
                    return down(ErrorClass.AUTH, "the server offers no AUTH", metrics)
                with watch.phase("auth"):
                    await client.login(cfg.username, cfg.password.get_secret_value())
        finally:
            await _hang_up(client)
        return up(self._describe(banner, metrics), metrics)

    def _tls_metrics(self, client: aiosmtplib.SMTP) -> dict[str, float]:
        ssl_object: Any = client.get_transport_info("ssl_object")
        if ssl_object is None:
            return {}
        metrics = {"tls_version": float(ssl_object.version().removeprefix("TLSv"))}
        cert = ssl_object.getpeercert()
        if cert and "notAfter" in cert:
            left = ssl.cert_time_to_seconds(cert["notAfter"]) - self.deps.clock.time()
            metrics["cert_days_left"] = left / 86400
        return metrics

    def _describe(self, banner: str, metrics: dict[str, float]) -> str:
        parts = [one_line(banner, 120)]
        if "tls_version" in metrics:
            parts.append(f"TLS {metrics['tls_version']:g}")
        if "cert_days_left" in metrics:
            parts.append(f"certificate expires in {metrics['cert_days_left']:.0f} days")
        if self.config.username:
            parts.append(f"logged in as {self.config.username}")
        return ", ".join(parts)


async def _hang_up(client: aiosmtplib.SMTP) -> None:
    """QUIT politely (one second at most), else drop the connection; either way the
    transport is closed before the check returns (no transport left to the garbage collector)."""
    if client.is_connected:
        try:
            await asyncio.wait_for(client.quit(), 1.0)
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            client.close()
    await asyncio.sleep(0)  # let the closing transport finish
