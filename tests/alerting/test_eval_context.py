"""One evaluation round reads each stored row once, whatever windows its rules ask for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from warden.alerting.rules import EvalContext
from warden.results import CheckResult, Status
from warden.tables import open_store

NOW = 1_700_000_000.0


def test_windows_are_served_from_one_read_each(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/w.db")
    store.write([CheckResult(f"m{i % 2}", Status.UP, 0.01, NOW - 600 + i * 5) for i in range(120)])
    calls: list[tuple[float, float]] = []
    real = store.results_in

    def counting(since: float, until: float) -> Any:
        calls.append((since, until))
        return real(since, until)

    store.results_in = counting  # type: ignore[method-assign]
    ctx = EvalContext(NOW, store, [], {})
    for window in (60, 300, 120, 300, 30):
        got = [r.time for r in ctx.results("m0", window)]
        want = sorted(r.time for r in store.results("m0", NOW - window, NOW))
        assert got == want, window
    assert calls == [(NOW - 60, NOW), (NOW - 300, NOW - 60)]
    store.close()
