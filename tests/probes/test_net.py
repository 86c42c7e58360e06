"""The probes' shared helpers: run_check, Stopwatch, ValueExpect, scrubbing, host:port."""

from __future__ import annotations

import asyncio
import socket
import ssl
from typing import Any

import pydantic
import pytest

from warden.engine.clock import FakeClock
from warden.probes import Probe, ProbeConfig, ProbeDeps
from warden.probes._fields import ValueExpect, judge_value, render_value
from warden.probes._net import (
    Stopwatch,
    Verdict,
    classify_chain,
    run_check,
    scrub,
    split_host_port,
    up,
)
from warden.results import CheckResult, ErrorClass, Status


class _Probe(Probe[ProbeConfig]):
    type = "test-net"
    config_model = ProbeConfig

    async def check(self) -> CheckResult:
        raise NotImplementedError


def probe(timeout: float = 1.0, clock: FakeClock | None = None) -> _Probe:
    return _Probe("m", ProbeConfig(), timeout, ProbeDeps(clock=clock or FakeClock()))


async def test_run_check_fills_in_latency_phases_and_time() -> None:
    clock = FakeClock()

    async def body(watch: Stopwatch) -> Verdict:
        with watch.phase("connect"):
            clock.advance(0.25)
        with watch.phase("query"):
            clock.advance(0.5)
        with watch.phase("connect"):
            clock.advance(0.25)
        return up("fine", {"value": 1.0})

    started = clock.time()
    result = await run_check(probe(clock=clock), body)
    assert result.status is Status.UP
    assert result.time == started
    assert result.latency == 1.0
    assert result.phases == {"connect": 0.5, "query": 0.5}
    assert result.metrics == {"value": 1.0}


async def test_timeout_names_the_phase_it_interrupted() -> None:
    async def body(watch: Stopwatch) -> Verdict:
        with watch.phase("query"):
            await asyncio.sleep(10)
        return up()

    result = await run_check(probe(timeout=0.05), body)
    assert (result.status, result.error) == (Status.DOWN, ErrorClass.TIMEOUT)
    assert result.message == "timed out after 50ms during query"
    assert "query" in result.phases


@pytest.mark.parametrize(
    ("exc", "error", "message"),
    [
        (ConnectionRefusedError(111, "Connection refused"), "refused", "connect: Connection"),
        (socket.gaierror(-2, "Name or service not known"), "dns", "connect: gaierror"),
        (ssl.SSLError(1, "bad"), "tls", "connect: SSLError"),
        (ConnectionResetError(), "reset", "connect: ConnectionResetError"),
        (OSError("other"), "error", "connect: OSError: other"),
    ],
)
async def test_failures_become_down_results(exc: OSError, error: str, message: str) -> None:
    async def body(watch: Stopwatch) -> Verdict:
        with watch.phase("connect"):
            raise exc

    result = await run_check(probe(), body)
    assert (result.status, result.error) == (Status.DOWN, error)
    assert result.message.startswith(message)


async def test_a_bug_is_not_hidden_as_a_down_result() -> None:
    async def body(watch: Stopwatch) -> Verdict:
        raise TypeError("a bug in Warden")

    with pytest.raises(TypeError):
        await run_check(probe(), body)


async def test_messages_are_scrubbed_of_secrets() -> None:
    async def body(watch: Stopwatch) -> Verdict:
        raise OSError("cannot reach postgresql://app:hunter2@db/app with hunter2")

    result = await run_check(probe(), body, secrets=["hunter2"])
    assert result.message == "OSError: cannot reach postgresql://app:***@db/app with ***"


def test_classify_chain_finds_the_cause() -> None:
    outer = RuntimeError("wrapped")
    outer.__cause__ = ConnectionRefusedError()
    assert classify_chain(outer) is ErrorClass.REFUSED
    outer.__cause__ = None
    outer.__context__ = socket.gaierror()
    assert classify_chain(outer) is ErrorClass.DNS
    assert classify_chain(RuntimeError()) is ErrorClass.ERROR


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("password hunter2 in redis://:hunter2@h:6379", "password *** in redis://:***@h:6379"),
        ("plain text", "plain text"),
        ("amqp://guest:guest@h/ and token=abc", "amqp://guest:***@h/ and token=abc"),
    ],
)
def test_scrub(text: str, expected: str) -> None:
    assert scrub(text, ["hunter2", ""]) == expected


@pytest.mark.parametrize(
    ("text", "result"),
    [
        ("127.0.0.1:5353", ("127.0.0.1", 5353)),
        ("127.0.0.1", ("127.0.0.1", 53)),
        ("[::1]:5353", ("::1", 5353)),
        ("[::1]", ("::1", 53)),
        ("::1", ("::1", 53)),
        ("ns.example:54", ("ns.example", 54)),
    ],
)
def test_split_host_port(text: str, result: tuple[str, int]) -> None:
    assert split_host_port(text, 53) == result


@pytest.mark.parametrize("text", ["127.0.0.1:0", "h:x", "[::1", ":53", "h:70000"])
def test_split_host_port_refuses(text: str) -> None:
    with pytest.raises(ValueError, match=r"port|host"):
        split_host_port(text, 53)


@pytest.mark.parametrize(
    ("expect", "value", "problem"),
    [
        ("ok", "ok", None),
        ("ok", " ok\n", None),
        ("ok", "okay", "expected 'ok', got 'okay'"),
        (1, "1.0", None),
        (True, "true", None),
        ("< 100", "99", None),
        ("< 100", "100", "expected < 100, got 100"),
        (">= 1.5", "1.5", None),
        ("!= 0", "0", "expected != 0, got 0"),
        ("= 3", "3", None),
        ("< 100", "many", "expected a number < 100, got 'many'"),
        ({"contains": "b"}, "abc", None),
        ({"regex": r"^\d+$"}, "12a", "expected to match /^\\d+$/, got '12a'"),
        ({"equals": "x", "contains": "x"}, None, "expected a value, got none (NULL/nil/no row)"),
    ],
)
def test_expect(expect: Any, value: str | None, problem: str | None) -> None:
    assert ValueExpect.model_validate(expect).failure(value) == problem


@pytest.mark.parametrize("bad", [{}, {"compare": "about 5"}, {"regex": "["}, {"other": 1}])
def test_expect_config_errors(bad: Any) -> None:
    with pytest.raises(pydantic.ValidationError):
        ValueExpect.model_validate(bad)


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, None), (True, "true"), (b"caf\xc3\xa9", "café"), ([b"a", 1], "a\n1"), (2.5, "2.5")],
)
def test_render_value(value: object, text: str | None) -> None:
    assert render_value(value) == text


def test_judge_value() -> None:
    verdict = judge_value(42, ValueExpect.model_validate("> 40"), "query")
    assert verdict == Verdict(Status.UP, "query: 42", ErrorClass.NONE, {"value": 42.0})
    failed = judge_value("x", ValueExpect.model_validate("y"), "GET")
    assert (failed.status, failed.error, failed.message) == (
        Status.DOWN,
        ErrorClass.ASSERTION,
        "GET: expected 'y', got 'x'",
    )
