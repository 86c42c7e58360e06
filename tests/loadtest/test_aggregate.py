"""The parent's merging: exact totals from several workers, window thresholds, the breaking
point, stages, and a series whose memory stays flat."""

from __future__ import annotations

import pytest

from warden.loadtest import aggregate
from warden.loadtest.aggregate import Aggregator
from warden.loadtest.compile import compile_plan
from warden.loadtest.histograms import encode, new_histogram, record_batch
from warden.loadtest.plan import NameSecond, WorkerSecond
from warden.loadtest.scenario import parse_scenario


def _plan(extra: str = "", workers: int = 2) -> object:
    text = (
        "target: http://127.0.0.1:1\nstages:\n  - {duration: 10s, target: 100}\n"
        "  - {duration: 10s, target: 200}\nwindow: 3s\n"
        "requests: [{name: a, path: /a}, {name: b, path: /b}]\n" + extra
    )
    return compile_plan(parse_scenario(text), workers=workers)


def _name(values_us: list[int], errors: dict[str, int] | None = None) -> NameSecond:
    h = new_histogram()
    record_batch(h, values_us)
    return NameSecond(encode(h), len(values_us), errors or {}, 100 * len(values_us))


def _second(
    second: int, a: list[int], b: list[int], errors: int = 0, stage: int = 0
) -> WorkerSecond:
    return WorkerSecond(
        second=second,
        stage=stage,
        span=1.0,
        names=(_name(a, {"http_5xx": errors} if errors else None), _name(b)),
        intended=len(a) + len(b),
        sent=len(a) + len(b) + errors,
    )


def test_totals_are_exact_across_workers() -> None:
    agg = Aggregator(_plan())  # type: ignore[arg-type]
    agg.add_second(0, [_second(0, [1000] * 10, [2000] * 5), _second(0, [3000] * 10, [], errors=2)])
    agg.add_second(1, [_second(1, [1000] * 10, [2000] * 5), _second(1, [5000], [])])
    total = agg.total
    assert total.requests() == 10 + 5 + 10 + 2 + 10 + 5 + 1
    assert total.requests("a") == 33
    assert total.errors("a", "http_5xx") == 2
    assert total.latency("b").count == 10
    assert total.latency(None).count == 41
    assert total.latency(None).max_ms == pytest.approx(5.0, rel=1e-3)
    assert total.bytes_in == 100 * 41
    assert [p.requests for p in agg.series] == [27, 16]


def test_window_thresholds_abort_only_when_the_window_is_full() -> None:
    plan = _plan("thresholds:\n  - {expr: 'p95 < 10ms', abort: true}\n  - 'error_rate < 50%'\n")
    agg = Aggregator(plan)  # type: ignore[arg-type]
    fine = [_second(s, [1000] * 20, [1000] * 20) for s in range(3)]
    for s in range(3):
        out = agg.add_second(s, [fine[s]])
        assert out.abort is None
        assert [c.passed for c in out.checks] == [True, True]
    slow = agg.add_second(3, [_second(3, [900_000] * 200, [])])
    assert slow.abort == "p95 < 10ms"
    assert [c.passed for c in slow.checks] == [False, True]
    bp = agg.breaking_point()
    assert bp is not None
    assert bp.last_ok_at_s == 3.0
    assert bp.last_ok_target == pytest.approx(30.0)
    assert bp.broke_at_s == 4.0
    assert bp.failed == ["p95 < 10ms"]
    results = agg.threshold_results()
    assert [r.passed for r in results] == [False, True]
    assert results[0].first_failed_at_s == 4.0


def test_stage_results_and_drift() -> None:
    agg = Aggregator(_plan())  # type: ignore[arg-type]
    for s in range(20):
        agg.add_second(s, [_second(s, [1000 * (1 + s)] * 10, [], stage=s // 10)])
    agg.finish()
    assert [st.requests for st in agg.stage_results] == [100, 100]
    assert [st.label for st in agg.stage_results] == ["stage 1", "stage 2"]
    assert agg.drift() is None  # too short to judge
    long_plan = compile_plan(
        parse_scenario(
            "target: http://127.0.0.1:1\nrate: 10\nduration: 30s\n"
            "requests: [{name: a, path: /a}, {name: b, path: /b}]\n"
        ),
        workers=1,
    )
    soak = Aggregator(long_plan)
    for s in range(30):
        soak.add_second(s, [_second(s, [1000 * (1 + s)] * 10, [])])
    drift = soak.drift()
    assert drift is not None
    assert drift.p95_change_pct is not None
    assert drift.p95_first_ms == pytest.approx(2.0, rel=0.01)
    assert drift.p95_last_ms == pytest.approx(29.0, rel=0.01)
    assert drift.error_rate_first == 0.0


def test_series_memory_stays_flat(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aggregate, "MAX_POINTS", 8)
    agg = Aggregator(_plan(workers=1))  # type: ignore[arg-type]
    for s in range(40):
        agg.add_second(s, [_second(s, [1000 + s] * 3, [])])
    agg.finish()
    assert len(agg.series) < 8
    assert agg.resolution >= 4
    assert sum(p.requests for p in agg.series) == 120
    assert sum(p.span for p in agg.series) == pytest.approx(40.0)
    assert agg.series[-1].max_ms == pytest.approx(1.039, rel=1e-3)
    assert len(agg.window) == 3


def test_results_count_for_the_stage_that_scheduled_them() -> None:
    """Second 10 is the first of stage 2, but carries late answers of stage 1: they stay there."""
    from warden.loadtest.plan import StagePart

    agg = Aggregator(_plan())  # type: ignore[arg-type]
    for s in range(20):
        part = _second(s, [1000] * 10, [])
        if s == 10:
            late = StagePart(0, (_name([900_000] * 3), None))
            part = WorkerSecond(second=s, span=1.0, names=part.names, stage=1, other_stages=(late,))
        elif s > 10:
            part = WorkerSecond(second=s, span=1.0, names=part.names, stage=1)
        agg.add_second(s, [part])
    agg.finish()
    assert [st.requests for st in agg.stage_results] == [103, 100]
    assert agg.stage_results[0].latency.max_ms == pytest.approx(900.0, rel=1e-2)
    assert agg.stage_results[1].latency.max_ms == pytest.approx(1.0, rel=1e-2)
    assert agg.total.requests() == 203


def test_stage_book_groups_by_origin_time() -> None:
    from warden.loadtest.stagebook import NS, StageBook

    book = StageBook(1, [0.0, 1.5, 3.0])
    book.start(0)
    book.at(int(0.2 * NS)).ok[0] += 1
    book.at(int(1.6 * NS)).ok[0] += 2  # stage 2 begins: it becomes the current one
    book.at(int(1.4 * NS)).ok[0] += 4  # a late answer of stage 1
    stage, names, others = book.take()
    assert stage == 1
    assert names[0] is not None
    assert names[0].ok == 2
    assert [(p.stage, p.names[0].ok if p.names[0] else 0) for p in others] == [(0, 5)]
    assert book.take() == (1, (None,), ())
