"""The controller-worker wire without a run: frames, reports, the token handshake, addresses,
and the scenario a worker rebuilds."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from warden.errors import LoadTestError
from warden.loadtest.compile import compile_plan
from warden.loadtest.histograms import encode, new_histogram
from warden.loadtest.plan import NameSecond, StagePart, WorkerFinal, WorkerSecond
from warden.loadtest.remote import scenario_document, split_address, split_workers
from warden.loadtest.scenario import Scenario
from warden.loadtest.serve import build_plans
from warden.loadtest.wire import (
    FrameConn,
    controller_handshake,
    final_message,
    mac,
    read_final,
    read_second,
    read_token,
    second_message,
    worker_handshake,
)

TOKEN = b"0123456789abcdef-shared"


@pytest.fixture
def pair() -> Iterator[tuple[FrameConn, FrameConn]]:
    a, b = socket.socketpair()
    left, right = FrameConn(a, "left"), FrameConn(b, "right")
    try:
        yield left, right
    finally:
        left.close()
        right.close()


def test_frames_round_trip_small_and_compressed(pair: tuple[FrameConn, FrameConn]) -> None:
    left, right = pair
    big = {"type": "plan", "rows": ["x" * 100] * 1000}
    left.send({"type": "alive"})
    left.send(big)
    assert right.recv(5) == {"type": "alive"}
    assert right.recv(5) == big
    assert right.poll() == []
    left.close()
    with pytest.raises(ConnectionError):
        right.poll()


def test_a_frame_without_a_type_breaks_the_connection(pair: tuple[FrameConn, FrameConn]) -> None:
    left, right = pair
    left.sock.sendall(b"\x00\x00\x00\x02\x00[]")
    with pytest.raises(ConnectionError, match="without a type"):
        right.recv(5)


def test_a_second_survives_the_wire_unchanged() -> None:
    h = new_histogram()
    for v in (120, 250, 250, 9000):
        h.record_value(v)
    ns = NameSecond(encode(h), 3, {"http_5xx": 1}, 4096)
    second = WorkerSecond(
        second=7, span=1.0, names=(ns, None), intended=5, sent=4, late=1, dropped=1,
        connections=3, in_flight=1, backlog=2, vus=0, stage=1,
        other_stages=(StagePart(0, (None, ns)),),
    )  # fmt: skip
    assert read_second(second_message(2, second)) == second
    final = WorkerFinal(2, 1.25, ("a note",))
    assert read_final(final_message(final)) == final
    with pytest.raises(ConnectionError, match="malformed"):
        read_second({"type": "second", "index": 1})


def _worker_side(conn: FrameConn, token: bytes, out: list[bool]) -> None:
    out.append(worker_handshake(conn, token, 3, 5))


@pytest.mark.parametrize(("worker_token", "ok"), [(TOKEN, True), (b"x" * 20, False)])
def test_both_sides_prove_the_token(
    pair: tuple[FrameConn, FrameConn], worker_token: bytes, ok: bool
) -> None:
    controller, worker = pair
    out: list[bool] = []
    thread = threading.Thread(target=_worker_side, args=(worker, worker_token, out))
    thread.start()
    if ok:
        assert controller_handshake(controller, TOKEN, 5)["processes"] == 3
    else:
        with pytest.raises(LoadTestError, match="refused this controller"):
            controller_handshake(controller, TOKEN, 5)
    thread.join(10)
    assert out == [ok]


def test_a_worker_that_does_not_hold_the_token_is_found_out(
    pair: tuple[FrameConn, FrameConn],
) -> None:
    controller, impostor = pair

    def fake() -> None:
        impostor.send({"type": "hello", "protocol": 1, "nonce": "n", "processes": 1})
        auth = impostor.recv(5)
        # replays the controller's own proof instead of computing its answer
        impostor.send({"type": "welcome", "mac": auth["mac"]})

    thread = threading.Thread(target=fake)
    thread.start()
    with pytest.raises(LoadTestError, match="did not prove"):
        controller_handshake(controller, TOKEN, 5)
    thread.join(10)
    assert mac(TOKEN, "worker", "a", "b") != mac(TOKEN, "controller", "a", "b")


def test_tokens_come_from_a_file_or_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "t"
    path.write_text("  " + TOKEN.decode() + "\n")
    assert read_token(path) == TOKEN
    path.write_text("short")
    with pytest.raises(LoadTestError, match="shorter than 16") as info:
        read_token(path)
    assert "short" not in str(info.value).replace("shorter", "")
    monkeypatch.setenv("WARDEN_LOAD_TOKEN", TOKEN.decode())
    assert read_token(None) == TOKEN
    monkeypatch.delenv("WARDEN_LOAD_TOKEN")
    with pytest.raises(LoadTestError, match="--token-file"):
        read_token(None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10.0.0.1:7000", ("10.0.0.1", 7000)), ("[::1]:80", ("::1", 80)), ("host", ("host", 7700))],
)
def test_addresses(text: str, expected: tuple[str, int]) -> None:
    assert split_address(text) == expected


def test_bad_addresses_and_the_older_workers_count() -> None:
    for bad in (":80", "h:port", "h:70000"):
        with pytest.raises(LoadTestError):
            split_address(bad)
    assert split_workers("a:1, b:2,", None) == (["a:1", "b:2"], None)
    assert split_workers("3", None) == (None, 3)  # --workers N: the older --processes N
    assert (
        Scenario.model_validate({"target": "http://127.0.0.1", "rate": 1, "workers": 2}).processes
        == 2
    )


def test_a_worker_rebuilds_the_same_plans_from_the_scenario(tmp_path: Path) -> None:
    (tmp_path / "users.csv").write_text("user\nann\nbob\n")
    scenario = Scenario.model_validate(
        {
            "target": "http://127.0.0.1:8080/api",
            "rate": 90,
            "duration": "2s",
            "headers": {"X-A": "1"},
            "variables": {"csv": "users.csv", "sequences": {"n": {"start": 5}}},
            "requests": [
                {"path": "/u/{{user}}/{{n}}", "weight": 2},
                {"name": "j", "method": "POST", "path": "/j", "json": {"a": 1},
                 "checks": [{"json": {"path": "$.x", "equals": None}}]},
            ],
            "workers": ["10.0.0.1:7700"],
        }
    )  # fmt: skip
    here = compile_plan(scenario, tmp_path, workers=4)
    v = here.workers[0].variables
    assert v is not None
    message = {
        "scenario": scenario_document(scenario),
        "variables": {
            "columns": list(v.columns),
            "rows": [list(r) for r in v.rows],
            "sequences": [[s.name, s.start, s.step] for s in v.sequences],
        },
        "indices": [1, 3],
        "total": 4,
    }
    plans, plan = build_plans(message)
    assert plans == [here.workers[1], here.workers[3]]
    assert plan.profile == here.profile
    with pytest.raises(LoadTestError, match="indices"):
        build_plans({**message, "indices": [4]})
    with pytest.raises(LoadTestError, match="cannot run the scenario"):
        build_plans({**message, "scenario": {**message["scenario"], "rate": "fast"}})
