"""The HTML report of a load test: summary, charts (latency percentiles, throughput and target
over time, errors by class, target resources) and tables (per name, errors, stages,
thresholds), rendered with the shared offline page helper ``warden.report.html``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from markupsafe import Markup

from warden.loadtest.results import RunResult
from warden.report.html import Chart, Series, render_fragment, render_page

_HERE = Path(__file__).resolve().parent


def _template(name: str) -> str:
    return (_HERE / name).read_text(encoding="utf-8")


def build_html(result: RunResult) -> str:
    r = result
    xs = [p.t + p.span for p in r.series]
    latency = Chart(
        "latency",
        "Latency percentiles per second (ms)",
        xs,
        [
            Series("p50", [p.p50_ms for p in r.series]),
            Series("p90", [p.p90_ms for p in r.series]),
            Series("p95", [p.p95_ms for p in r.series]),
            Series("p99", [p.p99_ms for p in r.series]),
            Series("max", [p.max_ms for p in r.series], dash=True),
        ],
        y_label="ms",
    )
    open_model = r.model == "open"
    throughput = Chart(
        "throughput",
        "Throughput and the stages' target",
        xs,
        [
            Series("req/s", [p.rps for p in r.series], fill=True),
            Series(
                f"target ({r.unit})",
                [p.target for p in r.series],
                axis="y" if open_model else "y2",
                dash=True,
            ),
            Series("errors/s", [p.error_count / p.span if p.span else 0 for p in r.series]),
        ],
        y_label="per second",
        y2_label=None if open_model else "virtual users",
    )
    kinds = sorted(r.errors)
    blocks: list[Markup | Chart] = [
        render_fragment(
            _template("report_summary.html.j2"),
            r=r,
            bp=r.breaking_point,
            errors=sum(r.errors.values()),
        ),
        latency,
        throughput,
    ]
    if kinds:
        blocks.append(
            Chart(
                "errors",
                "Errors per second by class",
                xs,
                [
                    Series(k, [p.errors.get(k, 0) / p.span if p.span else 0 for p in r.series])
                    for k in kinds
                ],
                y_label="errors/s",
            )
        )
    percent = [s for s in r.resources if s.name.split("{")[0].endswith("_percent")][:8]
    if percent:
        times, aligned = align_points([s.points for s in percent])
        blocks.append(
            Chart(
                "resources",
                "Target resources (%)",
                times,
                [
                    Series(f"{s.source}: {s.name}", values, span_gaps=True)
                    for s, values in zip(percent, aligned, strict=True)
                ],
                y_label="%",
            )
        )
    resources = [(s, s.stats()) for s in r.resources]
    blocks.append(
        render_fragment(_template("report_tables.html.j2"), r=r, kinds=kinds, resources=resources)
    )
    return render_page(f"Load test: {r.name}", blocks, subtitle=_subtitle(r))


def align_points(
    series: Sequence[Sequence[tuple[float, float]]], step: float = 1.0
) -> tuple[list[float], list[list[float | None]]]:
    """Series sampled at their own times on one x axis: times rounded to ``step`` (collectors
    sampled in the same second share a point); a series without a value at a time gets None,
    which the chart spans with a line instead of leaving isolated dots."""
    by_series = [{round(t / step) * step: v for t, v in points} for points in series]
    times = sorted({t for values in by_series for t in values})
    return times, [[values.get(t) for t in times] for values in by_series]


def _subtitle(r: RunResult) -> str:
    import datetime as dt

    when = dt.datetime.fromtimestamp(r.started_at, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"Started {when} · {r.target} · {r.requests:,} requests"


def write_html(result: RunResult, path: Path) -> Path:
    path.write_text(build_html(result), encoding="utf-8")
    return path
