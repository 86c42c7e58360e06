"""The shared HTML page helper, and results saved in the store."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from markupsafe import Markup
from sqlalchemy import create_engine

from warden.errors import WardenError
from warden.loadtest.histograms import LatencySummary
from warden.loadtest.results import GeneratorStats, RunResult, SeriesPoint
from warden.loadtest.storage import list_runs, load_document, save_result
from warden.report.html import VENDOR_DIR, Chart, Series, render_fragment, render_page


def test_page_inlines_uplot_and_escapes_data() -> None:
    chart = Chart("c1", "Latency", [0, 1, 2], [Series("p99", [1.0, None, float("nan")])])
    body = render_fragment("<p>{{ x }}</p>", x="<b>&</b>")
    html = render_page("T <1>", [body, chart])
    js = (VENDOR_DIR / "uPlot.iife.min.js").read_text(encoding="utf-8")
    assert js[:200] in html
    assert "<p>&lt;b&gt;&amp;&lt;/b&gt;</p>" in html
    assert "<title>T &lt;1&gt;</title>" in html
    assert "src=" not in html
    assert "https://cdn" not in html
    data = html.split('<script type="application/json" id="c1-data">')[1].split("</script>")[0]
    spec = json.loads(data)
    assert spec["series"][0]["values"] == [1.0, None, None]


def test_page_refuses_duplicate_chart_ids_and_missing_assets(tmp_path: Path) -> None:
    chart = Chart("same", "x", [0], [Series("a", [1])])
    with pytest.raises(WardenError, match="share the id"):
        render_page("t", [chart, chart])
    with pytest.raises(WardenError, match="make assets"):
        render_page("t", [Markup("<p>x</p>")], vendor_dir=tmp_path)


def _result() -> RunResult:
    lat = LatencySummary(10, 1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0)
    point = SeriesPoint(
        0.0, 1.0, 10.0, 10, {"timeout": 1}, 500, 10.0, 2.0, 3.0, 4.0, 5.0, 7.0, 0, 0, 2, 0, 0, True
    )
    return RunResult(
        name="t",
        target="http://u:secret@127.0.0.1:1",
        model="open",
        preset=None,
        unit="req/s",
        started_at=1.7e9,
        planned_duration_s=1.0,
        elapsed_s=1.0,
        stop_reason="completed",
        requests=10,
        ok=9,
        errors={"timeout": 1},
        error_rate=0.1,
        bytes_in=500,
        rps=10.0,
        bytes_per_s=500.0,
        intended=10,
        sent=10,
        late=0,
        dropped=0,
        latency=lat,
        by_name=[],
        stages=[],
        series=[point],
        series_resolution_s=1.0,
        thresholds=[],
        breaking_point=None,
        drift=None,
        resources=[],
        generator=GeneratorStats(1, 0.5, 20.0),
    )


def test_results_are_saved_and_listed(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'w.db'}")
    try:
        run_id = save_result(engine, _result())
        runs = list_runs(engine)
        assert [r["id"] for r in runs] == [run_id]
        assert runs[0]["target"] == "http://u:***@127.0.0.1:1"
        assert runs[0]["p95_ms"] == 4.0
        doc = load_document(engine, run_id)
        assert doc is not None
        assert doc["schema"] == "warden.load/v1"
        assert doc["series"][0]["errors"] == {"timeout": 1}
        assert load_document(engine, run_id + 1) is None
    finally:
        engine.dispose()


def test_terminal_summary_and_live_view_show_names_as_written() -> None:
    from rich.console import Console

    from warden.loadtest.aggregate import WindowCheck
    from warden.loadtest.progress import render_status
    from warden.loadtest.results import NameResult, ThresholdResult
    from warden.loadtest.runner import LiveStatus
    from warden.loadtest.summary import print_summary

    base = _result()
    lat = base.latency
    result = dataclasses.replace(
        base,
        by_name=[NameResult("[admin] page", 10, 9, {"timeout": 1}, 500, 10.0, 0.1, lat)],
        thresholds=[ThresholdResult("p95[[admin] page] < 1s", False, True, 0.004, "4ms", None)],
    )
    console = Console(record=True, width=120)
    print_summary(result, console)
    text = console.export_text()
    assert "[admin] page" in text
    assert "timeout" in text
    assert "PASSED" in text
    status = LiveStatus(
        3.0,
        10.0,
        "1x",
        2,
        6,
        300.0,
        "req/s",
        299.0,
        0.4,
        3.0,
        5.0,
        1000,
        2,
        0.001,
        0,
        0,
        16,
        0,
        [WindowCheck("p95 < 1s", False, "3s")],
    )
    console = Console(record=True, width=100)
    console.print(render_status(status))
    live = console.export_text()
    assert "remaining 7s" in live
    assert "300.0 req/s" in live
    assert "FAIL p95 < 1s" in live


def test_resource_series_sampled_at_other_times_are_drawn_as_lines() -> None:
    """Two collectors sampled a few ms apart: one x axis per second, no isolated dots."""
    from warden.loadtest.htmlreport import align_points
    from warden.report.html import Chart, Series

    host = [(100.001, 10.0), (101.002, 12.0), (102.004, 11.0)]
    db = [(100.3, 50.0), (102.2, 55.0)]
    times, (a, b) = align_points([host, db])
    assert times == [100.0, 101.0, 102.0]
    assert a == [10.0, 12.0, 11.0]
    assert b == [50.0, None, 55.0]
    spec = Chart("r", "R", times, [Series("db", b, span_gaps=True)]).spec()
    assert spec["series"][0]["span_gaps"] is True
