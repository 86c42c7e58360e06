"""``warden ready`` against a local server that sheds load above a known capacity: READY when
N times the peak stays under it, NOT READY with the first limit and the headroom when it does
not; the judging of levels, the stored peak, the forecasts at risk and the HTML report."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from warden.capacity.readiness import forecast_at, stored_peak
from warden.cli.main import app as cli
from warden.results import Sample
from warden.tables import open_store

CAPACITY = 50  # requests a second the server answers; past that, 503


class Shedder:
    """A server with a token bucket of ``CAPACITY`` per second: beyond it, 503 at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.second = 0
        self.count = 0
        shedder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                pass

            def do_GET(self) -> None:
                with shedder.lock:
                    now = int(time.monotonic())
                    if now != shedder.second:
                        shedder.second, shedder.count = now, 0
                    shedder.count += 1
                    over = shedder.count > CAPACITY
                body = b"busy\n" if over else b"ok\n"
                self.send_response(503 if over else 200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def shedder() -> Iterator[Shedder]:
    s = Shedder()
    yield s
    s.close()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "warden.yaml"
    path.write_text(f'store:\n  url: "sqlite:///{tmp_path}/w.db"\n', encoding="utf-8")
    return path


def _ready(args: list[str]) -> tuple[int, dict[str, Any]]:
    res = CliRunner().invoke(cli, ["ready", *args, "--json"])
    assert res.exit_code in (0, 1), res.output
    return res.exit_code, json.loads(res.stdout)


@pytest.mark.integration
def test_ready_when_the_multiple_fits(shedder: Shedder, config: Path, tmp_path: Path) -> None:
    html = tmp_path / "ready.html"
    # the shedder's errors set the limit; a generous p95 keeps a busy machine's slowness out
    args = ["--traffic", "2x", "--peak", "10", "--steps", "2", "--step-duration", "2s",
            "--p95", "2s"]  # fmt: skip
    code, got = _ready([shedder.url, *args, "-c", str(config), "--html", str(html)])
    assert code == 0
    assert got["schema"] == "warden.capacity.ready/v1"
    assert got["verdict"] == "READY"
    assert got["headroom"] == 2
    assert [lv["multiple"] for lv in got["levels"]] == [1, 2]
    assert all(lv["passed"] for lv in got["levels"])
    assert got["first_limit"] is None
    page = html.read_text()
    assert "READY for 2x" in page
    assert "uPlot" in page  # charts inlined, offline


@pytest.mark.integration
def test_not_ready_names_the_first_limit_and_the_headroom(shedder: Shedder, config: Path) -> None:
    code, got = _ready([shedder.url, "--traffic", "8x", "--peak", "10", "--steps", "4",
                        "--step-duration", "2s", "--p95", "2s", "-c", str(config)])  # fmt: skip
    assert code == 1
    assert got["verdict"] == "NOT READY"
    assert got["headroom"] == 4  # 20 and 40 req/s held; 60 is past the capacity of 50
    assert got["first_limit"]["multiple"] == 6
    assert any(limit.startswith("errors ") for limit in got["first_limit"]["limits"])
    assert got["run"]["stop_reason"].startswith("aborted")  # the budget stopped the ramp
    assert len(got["levels"]) <= 4


def test_refuses_a_remote_target_and_needs_a_peak(config: Path) -> None:
    res = CliRunner().invoke(cli, ["ready", "http://192.0.2.1:80", "--peak", "5", "-c",
                                   str(config)])  # fmt: skip
    assert res.exit_code == 2
    assert "not loopback" in res.stderr
    res = CliRunner().invoke(cli, ["ready", "http://127.0.0.1:9", "-c", str(config)])
    assert res.exit_code == 2
    assert "--peak" in res.stderr


def test_the_stored_peak_and_forecasts_at_n_times_the_growth(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/p.db")
    now = 1_765_000_000.0
    store.write(samples=[
        Sample("http_requests_per_second", {"service": "web"}, 10.0 + i % 50, now - i * 60)
        for i in range(600)
    ])  # fmt: skip
    peak, source = stored_peak(store.engine, "web", now)  # type: ignore[misc]
    assert peak == 59.0
    assert "service web" in source
    assert stored_peak(store.engine, "other", now) is None
    store.close()

    class H:
        name, kind, limit = "disk web on /", "disk", 100.0

    class F:
        status, slope_per_day, current = "ok", 1.0, 40.0  # 60 days left today

    at_risk = forecast_at([(H(), F())], 10.0, now)
    assert at_risk == [{"resource": "disk web on /", "kind": "disk", "days_to_full_now": 60.0,
                        "days_to_full_at_10x": 6.0}]  # fmt: skip
    assert forecast_at([(H(), F())], 1.5, now) == []  # 40 days: beyond the 30-day horizon
