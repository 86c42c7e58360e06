"""The ``http`` probe: one request on a fresh connection, timed by phase, checked by ``expect``.

Statuses: DOWN when the request fails (dns, refused, reset, tls, timeout, protocol), when the
final status is not allowed (``http_status``, also for too many redirects) or when a content
assertion fails (``assertion``: body, JSON, response headers); DEGRADED when everything holds
but the check took longer than ``expect.max_latency``; UP otherwise. Phases are summed over
redirect hops so they add up to the latency. Metrics: ``http_status``, ``body_bytes``,
``redirects`` (when followed) and, for https, ``cert_days_left`` (the soonest-expiring peer
certificate met on the way). Everything that does not change between checks (request bytes,
allowed statuses, TLS context) is prepared once, when the probe is built.
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urljoin

import httptools

from warden import __version__
from warden.config._types import format_duration, redact_url
from warden.probes._base import Probe, ProbeDeps, register
from warden.probes._http_client import BadResponse, Response, Timing, decode_body, fetch
from warden.probes._http_config import HttpConfig
from warden.probes._http_expect import allowed_statuses, check_json, describe_statuses
from warden.probes._http_request import Target, build_request, client_ssl_context, parse_target
from warden.results import CheckResult, ErrorClass, Status, classify_exception, describe_exception

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CREDENTIAL_HEADERS = ("authorization", "cookie")
_NETWORK_ERRORS = (OSError, BadResponse, httptools.HttpParserError)


@dataclass(slots=True)
class _Trail:
    """Where a check has got to: the current target and the redirects followed so far."""

    target: Target
    hops: int = 0
    too_many: bool = False


def _request_headers(config: HttpConfig, *, credentials: bool) -> list[tuple[str, str]]:
    """The configured request headers (with Basic auth), or without credentials."""
    headers = [
        (name, value.get_secret_value())
        for name, value in config.headers.items()
        if credentials or name.lower() not in _CREDENTIAL_HEADERS
    ]
    if config.auth is not None and credentials:
        pair = f"{config.auth.username}:{config.auth.password.get_secret_value()}"
        headers.append(("Authorization", "Basic " + base64.b64encode(pair.encode()).decode()))
    if config.json_body is not None and not any(
        name.lower() == "content-type" for name, _ in headers
    ):
        headers.append(("Content-Type", "application/json"))
    return headers


def _describe_failure(exc: BaseException, target: Target, phase: str) -> tuple[ErrorClass, str]:
    """Classify a failed request and say what happened, without secrets."""
    where = f"{target.authority}"
    if isinstance(exc, socket.gaierror):
        return ErrorClass.DNS, f"cannot resolve {target.host}: {exc.strerror or exc}"
    if isinstance(exc, ConnectionRefusedError):
        return ErrorClass.REFUSED, f"connection refused by {where}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return ErrorClass.TLS, f"{where}: certificate verify failed: {exc.verify_message}"
    if isinstance(exc, ssl.SSLError):
        return ErrorClass.TLS, f"{where}: TLS failed: {exc.reason or describe_exception(exc)}"
    if isinstance(exc, BadResponse | httptools.HttpParserError):
        return ErrorClass.PROTOCOL, f"{where}: {exc}"
    during = f" during {phase}" if phase else ""
    return classify_exception(exc), f"{where}{during}: {describe_exception(exc)}"


@register
class HttpProbe(Probe[HttpConfig]):
    """Checks an HTTP(S) endpoint; see the module docstring for statuses and metrics."""

    type = "http"
    config_model = HttpConfig

    def __init__(self, monitor: str, config: HttpConfig, timeout: float, deps: ProbeDeps) -> None:
        super().__init__(monitor, config, timeout, deps)
        self._target = parse_target(config.url)
        self._user_agent = f"Warden/{__version__}"
        self._headers = _request_headers(config, credentials=True)
        self._foreign_headers = _request_headers(config, credentials=False)
        if config.json_body is not None:
            self._body: bytes | None = json.dumps(config.json_body).encode()
        else:
            self._body = None if config.body is None else config.body.encode()
        self._request = build_request(
            config.method, self._target, self._headers, self._body, self._user_agent
        )
        self._allowed = allowed_statuses(tuple(config.expect.status))
        self._keep_body = config.expect.needs_body
        self._tls: ssl.SSLContext | None = None

    def _tls_context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = client_ssl_context(self.config.verify, self.config.ca_file)
        return self._tls

    async def check(self) -> CheckResult:
        clock = self.deps.clock
        started = clock.time()
        timing = Timing(clock.monotonic)
        begin = timing.now()
        trail = _Trail(self._target)
        try:
            async with asyncio.timeout(self.timeout) as deadline:
                response = await self._follow(timing, trail)
        except _NETWORK_ERRORS as exc:
            if deadline.expired():
                error = ErrorClass.TIMEOUT
                message = f"timed out after {format_duration(self.timeout)}"
                message += f" during {timing.phase}" if timing.phase else ""
            else:
                error, message = _describe_failure(exc, trail.target, timing.phase)
            metrics = self._metrics(timing, None, trail.hops, clock.time())
            latency = timing.now() - begin
            return self.result(
                Status.DOWN, latency, started, message, error, timing.phases, metrics
            )
        latency = timing.now() - begin
        metrics = self._metrics(timing, response, trail.hops, clock.time())
        status, error, message = self._judge(response, latency, trail.too_many)
        return self.result(status, latency, started, message, error, timing.phases, metrics)

    async def _follow(self, timing: Timing, trail: _Trail) -> Response:
        """Send the request, following redirects as configured; ``trail`` records the way."""
        config = self.config
        request, method, body = self._request, config.method, self._body
        while True:
            target = trail.target
            response = await fetch(
                target,
                request,
                timing,
                tls_context=self._tls_context() if target.tls else None,
                head=method == "HEAD",
                keep_body=self._keep_body,
                max_body=config.max_body,
            )
            location = response.header(b"location")
            if not config.follow_redirects or response.status not in _REDIRECTS or not location:
                return response
            if trail.hops >= config.max_redirects:
                trail.too_many = True
                return response
            try:
                target = parse_target(urljoin(target.url, location))
            except ValueError as exc:
                raise BadResponse(
                    f"status {response.status} redirects to {redact_url(location)!r}, which {exc}"
                ) from None
            trail.target, trail.hops = target, trail.hops + 1
            if response.status == 303 or (
                response.status in (301, 302) and method not in ("GET", "HEAD")
            ):
                method, body = ("HEAD" if method == "HEAD" else "GET"), None
            same_origin = target.origin == self._target.origin
            headers = self._headers if same_origin else self._foreign_headers
            request = build_request(method, target, headers, body, self._user_agent)

    def _metrics(
        self, timing: Timing, response: Response | None, hops: int, now: float
    ) -> dict[str, float]:
        metrics: dict[str, float] = {}
        if response is not None:
            metrics["http_status"] = response.status
            metrics["body_bytes"] = response.body_bytes
        if hops:
            metrics["redirects"] = hops
        if timing.cert_not_after is not None:
            metrics["cert_days_left"] = (timing.cert_not_after - now) / 86400.0
        return metrics

    def _judge(
        self, response: Response, latency: float, too_many: bool
    ) -> tuple[Status, ErrorClass, str]:
        expect = self.config.expect
        status = response.status
        if too_many:
            return (
                Status.DOWN,
                ErrorClass.HTTP_STATUS,
                f"status {status}: too many redirects (more than {self.config.max_redirects})",
            )
        if status not in self._allowed:
            return (
                Status.DOWN,
                ErrorClass.HTTP_STATUS,
                f"status {status} {response.reason} is not in {describe_statuses(expect.status)}",
            )
        try:
            failures = self._assertions(response)
        except BadResponse as exc:
            return Status.DOWN, ErrorClass.PROTOCOL, str(exc)
        if failures:
            return Status.DOWN, ErrorClass.ASSERTION, "; ".join(failures)
        if expect.max_latency is not None and latency > expect.max_latency:
            return (
                Status.DEGRADED,
                ErrorClass.ASSERTION,
                f"slow: {format_duration(round(latency, 3))} is over max_latency "
                f"{format_duration(expect.max_latency)}",
            )
        return Status.UP, ErrorClass.NONE, f"{status} {response.reason}".rstrip()

    def _assertions(self, response: Response) -> list[str]:
        """Failed content assertions, in config order (empty when all hold)."""
        expect = self.config.expect
        failures: list[str] = []
        if expect.headers:
            values = response.header_values()
            for name, pattern in expect.headers.items():
                value = values.get(name)
                if value is None:
                    failures.append(f"header {name} is missing")
                elif not pattern.search(value):
                    failures.append(
                        f"header {name} (value redacted) does not match /{pattern.pattern}/"
                    )
        if not self._keep_body:
            return failures
        raw = decode_body(response.body, response.header(b"content-encoding"), self.config.max_body)
        cut = f" (body cut at {self.config.max_body} bytes)" if response.truncated else ""
        if expect.body_contains or expect.body_regex is not None:
            text = raw.decode("utf-8", "replace")
            for needle in expect.body_contains:
                if needle not in text:
                    failures.append(f"body does not contain {needle!r}{cut}")
            if expect.body_regex is not None and not expect.body_regex.search(text):
                failures.append(f"body does not match /{expect.body_regex.pattern}/{cut}")
        if expect.json_checks:
            try:
                document = json.loads(raw)
            except ValueError as exc:
                failures.append(f"body is not JSON: {exc}{cut}")
                return failures
            for check in expect.json_checks:
                failure = check_json(document, check.path, check.steps, check.op, check.expected)
                if failure is not None:
                    failures.append(failure)
        return failures
