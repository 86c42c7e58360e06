"""The HTML report of ``warden ready``: the verdict with its evidence, p95 and error rate per
level against the budget, asked and achieved rates, and the forecasts at risk (offline page,
charts by uPlot inlined by ``warden.report.html``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from warden.report.html import Chart, Series, render_fragment, render_page

_SUMMARY = (Path(__file__).resolve().parent / "ready_summary.html.j2").read_text(encoding="utf-8")


def build_ready_html(data: dict[str, Any]) -> str:
    levels = data["levels"]
    xs = [lv["multiple"] for lv in levels]
    budget = data["budget"]
    latency = Chart(
        "p95", "p95 per level (ms) against the budget", xs,
        [Series("p95", [lv["p95_ms"] for lv in levels]),
         Series("budget", [budget["p95_ms"]] * len(levels), dash=True)],
        x_label="times the peak", y_label="ms",
    )  # fmt: skip
    rates = Chart(
        "rates", "Requests per second asked and achieved, and the error rate (%)", xs,
        [Series("asked", [lv["target_rps"] for lv in levels], dash=True),
         Series("achieved", [lv["achieved_rps"] for lv in levels]),
         Series("errors %", [lv["error_rate"] * 100 for lv in levels], axis="y2")],
        x_label="times the peak", y_label="req/s", y2_label="%",
    )  # fmt: skip
    return render_page(
        f"Ready for {data['traffic']}? {data['verdict']}",
        [render_fragment(_SUMMARY, d=data), latency, rates],
        subtitle=data["target"],
    )


def write_ready_html(data: dict[str, Any], path: Path) -> Path:
    path.write_text(build_ready_html(data), encoding="utf-8")
    return path
