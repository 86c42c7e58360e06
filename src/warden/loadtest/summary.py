"""The final summary of a load test in the terminal: totals, latency per name, errors, stages,
thresholds, breaking point, drift and target resources, as Rich tables."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from warden.loadtest.histograms import LatencySummary
from warden.loadtest.results import RunResult


def _add(table: Table, *cells: str | Text) -> None:
    """A row whose plain strings are shown as-is (no Rich markup: names may hold brackets)."""
    table.add_row(*[Text(c) if isinstance(c, str) else c for c in cells])


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def _latency_cells(lat: LatencySummary) -> list[str]:
    return [
        _ms(v) for v in (lat.p50_ms, lat.p90_ms, lat.p95_ms, lat.p99_ms, lat.p999_ms, lat.max_ms)
    ]


def _pct(rate: float) -> str:
    return f"{rate * 100:.3f}%"


def print_summary(result: RunResult, console: Console) -> None:
    r = result
    verdict = (
        Text("PASSED", style="bold green")
        if r.passed and not r.aborted
        else Text("FAILED", style="bold red")
    )
    if not r.thresholds:
        verdict = Text("no thresholds", style="dim")
    if r.partial:
        verdict = Text.assemble(verdict, "  ", Text("PARTIAL: a worker was lost", "bold red"))
    console.print(
        Text.assemble(
            (f"{r.name}", "bold"),
            f"  {r.model} model{f', {r.preset}' if r.preset else ''}  {r.target}  ",
            verdict,
            f"  ({r.stop_reason}, {r.elapsed_s:,.1f}s of {r.planned_duration_s:,.0f}s)",
        )
    )
    totals = Table(title="Totals", show_header=False, title_justify="left")
    totals.add_column(style="dim")
    totals.add_column(justify="right")
    rows = [
        ("requests", f"{r.requests:,}"),
        ("throughput", f"{r.rps:,.1f} req/s, {r.bytes_per_s / 1e6:,.2f} MB/s"),
        ("errors", f"{sum(r.errors.values()):,} ({_pct(r.error_rate)})"),
    ]
    if r.model == "open":
        rows.append(("intended / sent", f"{r.intended:,} / {r.sent:,}"))
        rows.append(("not started on time", f"{r.late:,} late, {r.dropped:,} dropped"))
    rows.append(
        (
            "generator",
            f"{r.generator.workers} workers, {r.generator.cpu_seconds:,.1f} CPU-s, "
            f"{r.generator.requests_per_cpu_second or 0:,.0f} req/CPU-s",
        )
    )
    for key, value in rows:
        _add(totals, key, value)
    console.print(totals)
    _print_hosts(r, console)

    lat = Table(title="Latency (ms)", title_justify="left")
    for col in ("request", "count", "rps", "errors", "p50", "p90", "p95", "p99", "p99.9", "max"):
        lat.add_column(col, justify="left" if col == "request" else "right")
    for n in r.by_name:
        _add(
            lat,
            n.name,
            f"{n.requests:,}",
            f"{n.rps:,.1f}",
            _pct(n.error_rate),
            *_latency_cells(n.latency),
        )
    if len(r.by_name) > 1:
        _add(
            lat,
            Text("all", style="bold"),
            f"{r.requests:,}",
            f"{r.rps:,.1f}",
            _pct(r.error_rate),
            *_latency_cells(r.latency),
        )
    console.print(lat)

    if r.errors:
        errs = Table(title="Errors", title_justify="left")
        errs.add_column("request")
        kinds = sorted(r.errors)
        for k in kinds:
            errs.add_column(k, justify="right")
        for n in r.by_name:
            if n.errors:
                _add(errs, n.name, *[f"{n.errors.get(k, 0):,}" for k in kinds])
        console.print(errs)

    if len(r.stages) > 1 or r.thresholds:
        st = Table(title="Stages", title_justify="left")
        for col in ("stage", "time", "target", "rps", "errors", "p95", "p99", "thresholds"):
            st.add_column(col, justify="left" if col in ("stage", "thresholds") else "right")
        for s in r.stages:
            mark = {True: Text("pass", "green"), False: Text("FAIL", "red"), None: Text("-")}
            _add(
                st,
                s.label,
                f"{s.start_s:g}-{s.end_s:g}s",
                f"{s.target_from:g}"
                + (f"→{s.target_to:g}" if s.target_to != s.target_from else ""),
                f"{s.rps:,.1f}",
                _pct(s.error_rate),
                _ms(s.latency.p95_ms),
                _ms(s.latency.p99_ms),
                mark[s.thresholds_passed],
            )
        console.print(st)

    if r.thresholds:
        th = Table(title="Thresholds (whole run)", title_justify="left")
        for col in ("threshold", "result", "actual", "first failed (window)"):
            th.add_column(col)
        for t in r.thresholds:
            _add(
                th,
                t.expr + (" (abort)" if t.abort else ""),
                Text("pass", "green") if t.passed else Text("FAIL", "bold red"),
                t.actual_text,
                "-" if t.first_failed_at_s is None else f"at {t.first_failed_at_s:g}s",
            )
        console.print(th)
    bp = r.breaking_point
    if bp is not None and bp.broke_at_s is not None:
        last = (
            f"last rate that met them: {bp.last_ok_target:g} {r.unit} target "
            f"({bp.last_ok_rps:,.1f} req/s achieved) at {bp.last_ok_at_s:g}s"
            if bp.last_ok_at_s is not None
            else "they never held"
        )
        console.print(
            f"Breaking point: thresholds failed at {bp.broke_at_s:g}s (target "
            f"{bp.broke_at_target:g} {r.unit}: {', '.join(bp.failed)}); {last}.",
            markup=False,
        )
    if r.drift is not None and r.drift.p95_change_pct is not None:
        d = r.drift
        console.print(
            f"Drift over '{d.stage}': p95 {d.p95_first_ms:.2f}ms → {d.p95_last_ms:.2f}ms "
            f"({d.p95_change_pct:+.1f}%), errors {_pct(d.error_rate_first)} → "
            f"{_pct(d.error_rate_last)}.",
            markup=False,
        )
    if r.resources:
        res = Table(title="Target resources", title_justify="left")
        for col in ("source", "metric", "min", "mean", "max", "last"):
            res.add_column(col, justify="left" if col in ("source", "metric") else "right")
        for series in r.resources[:20]:
            stats = series.stats()
            _add(
                res,
                series.source,
                series.name,
                *[
                    f"{stats[k]:,.4g}" if stats[k] is not None else "-"
                    for k in ("min", "mean", "max", "last")
                ],
            )
        console.print(res)
    for note in r.notes:
        console.print(Text(f"note: {note}", style="dim"))


def _print_hosts(r: RunResult, console: Console) -> None:
    """The workers of a distributed (or partial) run: share, CPU, clock and whether lost."""
    hosts = r.generator.hosts
    if not hosts or (len(hosts) == 1 and hosts[0].name == "local" and not r.partial):
        return
    table = Table(title="Workers", title_justify="left")
    for col in ("worker", "processes", "requests", "CPU-s", "clock offset", "rtt", "state"):
        table.add_column(col, justify="left" if col in ("worker", "state") else "right")
    for h in hosts:
        state = Text("ok", "green")
        if h.lost is not None:
            state = Text(f"LOST at {h.lost_at_s or 0:g}s: {h.lost}", "red")
        _add(
            table,
            h.name,
            str(h.processes),
            f"{h.requests:,}",
            f"{h.cpu_seconds:,.1f}",
            "-" if h.clock_offset_s is None else f"{h.clock_offset_s * 1000:+,.1f} ms",
            "-" if h.rtt_ms is None else f"{h.rtt_ms:,.2f} ms",
            state,
        )
    console.print(table)
