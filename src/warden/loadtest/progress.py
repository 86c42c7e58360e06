"""The live view of a running load test (Rich, on stderr): time, rate, latency, errors.

``LiveView`` is a context manager whose ``update`` is the runner's observer; it redraws once
per merged second. It is only used when stderr is a terminal and ``--json`` is not given.
"""

from __future__ import annotations

from types import TracebackType

from rich.console import Console, Group
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from warden.loadtest.runner import LiveStatus


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}ms"


def render_status(status: LiveStatus) -> Group:
    remaining = max(status.duration - status.elapsed, 0.0)
    head = Text.assemble(
        ("elapsed ", "dim"),
        f"{status.elapsed:,.0f}s",
        ("  remaining ", "dim"),
        f"{remaining:,.0f}s",
        ("  stage ", "dim"),
        f"{status.stage_number}/{status.stages} {status.stage}",
    )
    bar = Table.grid(expand=True)  # a bare ProgressBar does not end its line
    bar.add_column(ratio=1)
    bar.add_row(
        ProgressBar(
            total=max(status.duration, 1e-9), completed=min(status.elapsed, status.duration)
        )
    )
    grid = Table.grid(padding=(0, 2))
    for _ in range(4):
        grid.add_column(justify="right", style="dim")
        grid.add_column(justify="left")
    level = f"{status.connections} conns" if status.unit == "req/s" else f"{status.vus} VUs"
    error_rate = (
        "-" if status.window_error_rate is None else f"{status.window_error_rate * 100:.2f}%"
    )
    grid.add_row(
        "target",
        f"{status.target:,.1f} {status.unit}",
        "rate",
        f"{status.rps:,.0f} req/s",
        "p50",
        _ms(status.p50_ms),
        "p95",
        _ms(status.p95_ms),
    )
    grid.add_row(
        "requests",
        f"{status.requests:,}",
        "errors",
        Text(f"{status.errors:,}", style="red" if status.errors else ""),
        "p99",
        _ms(status.p99_ms),
        "err (window)",
        error_rate,
    )
    grid.add_row(
        "late",
        f"{status.late:,}",
        "dropped",
        Text(f"{status.dropped:,}", style="yellow" if status.dropped else ""),
        "load",
        level,
        "",
        "",
    )
    parts: list[Table | Text] = [head, bar, grid]
    if status.checks:
        checks = Table.grid(padding=(0, 1))
        checks.add_column()
        checks.add_column()
        checks.add_column(style="dim")
        for c in status.checks:
            mark = {True: ("pass", "green"), False: ("FAIL", "bold red"), None: ("…", "dim")}[
                c.passed
            ]
            checks.add_row(Text(mark[0], style=mark[1]), c.expr, c.actual_text)
        parts.append(checks)
    return Group(*parts)


class LiveView:
    """Draws ``LiveStatus`` updates in place until the block ends."""

    def __init__(self, console: Console) -> None:
        self._live = Live(
            Text("starting workers…"), console=console, refresh_per_second=4, transient=False
        )

    def __enter__(self) -> LiveView:
        self._live.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._live.__exit__(exc_type, exc, tb)

    def update(self, status: LiveStatus) -> None:
        self._live.update(render_status(status))
