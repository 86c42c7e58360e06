"""Serialized requests, weighted order, CSV and sequence variables, checks."""

from __future__ import annotations

import socket
import ssl
from collections import Counter
from pathlib import Path

import pytest

from warden.errors import LoadTestError
from warden.loadtest.checks import (
    BodyContains,
    BodyRegex,
    JsonPathCheck,
    StatusCheck,
    parse_json_path,
    parse_status_spec,
)
from warden.loadtest.errors import classify_exception, classify_status
from warden.loadtest.templates import compile_request, split_vars, weighted_order
from warden.loadtest.variables import SequenceVar, VariableData, VariableFeed, read_csv


def test_static_request_bytes() -> None:
    t = compile_request(0, "a", "GET", "/x?y=1", "127.0.0.1:80", {"A": "b"}, None, ())
    assert t.static == (
        b"GET /x?y=1 HTTP/1.1\r\nHost: 127.0.0.1:80\r\nUser-Agent: warden-load/1\r\n"
        b"Accept: */*\r\nA: b\r\n\r\n"
    )
    post = compile_request(1, "b", "post", "/", "h", {}, None, ())
    assert post.static is not None
    assert b"Content-Length: 0\r\n" in post.static


def test_header_values_from_variables_cannot_inject_lines() -> None:
    t = compile_request(0, "a", "GET", "/", "h", {"X-User": "{{u}}"}, None, ())
    out = t.render({"u": "evil\r\nX-Admin: 1"})
    assert b"X-User: evil  X-Admin: 1\r\n" in out


def test_split_vars() -> None:
    assert split_vars("/u/{{id}}/x{{ b }}") == (b"/u/", "id", b"/x", "b")


@pytest.mark.parametrize(
    ("weights", "share"),
    [([1.0], [1.0]), ([3.0, 1.0], [0.75, 0.25]), ([1, 1, 2], [0.25, 0.25, 0.5])],
)
def test_weighted_order_keeps_the_proportions(weights: list[float], share: list[float]) -> None:
    order = weighted_order(weights)
    counts = Counter(order)
    assert [counts[i] / len(order) for i in range(len(weights))] == share


def test_csv_and_sequences_interleave_across_workers(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_text("name,token\nann,1\nbob,2\ncid,3\n")
    columns, rows = read_csv(path)
    data = VariableData(columns, rows, (SequenceVar("n", 10, 5),))
    w0, w1 = VariableFeed(data, 0, 2), VariableFeed(data, 1, 2)
    seen = [w0.next(), w1.next(), w0.next(), w1.next()]
    assert [s["name"] for s in seen] == ["ann", "bob", "cid", "ann"]
    assert [s["n"] for s in seen] == ["10", "15", "20", "25"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("a,b\n", "no rows"),
        ("a,b\n1,2,3\n", "u.csv:2: 3 values, the header has 2"),
        ("a b,c\n1,2\n", "column name 'a b'"),
        ("a,a\n1,2\n", "unique"),
    ],
)
def test_csv_errors_name_the_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "u.csv"
    path.write_text(text)
    with pytest.raises(LoadTestError, match=message):
        read_csv(path)


def test_checks() -> None:
    assert StatusCheck(parse_status_spec([200, "3xx"])).check(302, b"") is None
    assert StatusCheck(parse_status_spec("200-204")).check(500, b"") == "status 500"
    assert BodyContains(b"ok").check(200, b"all ok") is None
    assert BodyContains(b"ok").check(200, b"nope") is not None
    assert BodyRegex(r"id=\d+").check(200, b"id=42") is None
    body = b'{"items": [{"id": 3}], "a b": null}'
    path = parse_json_path("$.items[0].id")
    assert JsonPathCheck("p", path, 3, True).check(200, body) is None
    assert JsonPathCheck("p", path, 4, True).check(200, body) is not None
    assert JsonPathCheck("p", parse_json_path("$['a b']")).check(200, body) is None
    assert JsonPathCheck("p", parse_json_path("$.zz"), exists=False).check(200, body) is None
    assert JsonPathCheck("p", parse_json_path("$.zz")).check(200, body) == "p is missing"
    assert JsonPathCheck("p", path).check(200, b"<html>") == "body is not JSON"


@pytest.mark.parametrize("bad", ["$.", "items", "$[x]", "$..a"])
def test_bad_json_paths(bad: str) -> None:
    with pytest.raises(ValueError, match="JSON path"):
        parse_json_path(bad)


@pytest.mark.parametrize("bad", ["20", "2xxx", "300-200", "abc"])
def test_bad_status_specs(bad: str) -> None:
    with pytest.raises(ValueError, match="status"):
        parse_status_spec(bad)


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (TimeoutError(), "timeout"),
        (socket.gaierror(-2, "Name or service not known"), "dns"),
        (ssl.SSLCertVerificationError("bad cert"), "tls"),
        (ConnectionRefusedError(111, "refused"), "refused"),
        (ConnectionResetError(104, "reset"), "reset"),
        (BrokenPipeError(32, "pipe"), "reset"),
        (OSError(111, "refused"), "refused"),
        (None, "reset"),
        (ValueError("odd"), "other"),
    ],
)
def test_exceptions_are_classified(exc: BaseException | None, kind: str) -> None:
    assert classify_exception(exc) == kind


@pytest.mark.parametrize(
    ("status", "kind"), [(200, None), (302, None), (404, "http_4xx"), (503, "http_5xx")]
)
def test_statuses_are_classified(status: int, kind: str | None) -> None:
    assert classify_status(status) == kind
