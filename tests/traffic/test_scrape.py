"""Scraped expositions: parsing both formats, counters to rates, resets, bucket increases,
relabelling, the series limit, and histogram quantiles as Prometheus computes them."""

from __future__ import annotations

import math

import pytest

from warden.traffic import buckets
from warden.traffic.relabel import Relabeller, RelabelRule
from warden.traffic.scrape import ExpositionError, ScrapeState, parse_exposition

TEXT = """# HELP req_total Requests.
# TYPE req_total counter
req_total{code="200"} {ok}
req_total{code="500"} {bad}
# TYPE lat histogram
lat_bucket{le="0.1"} {b1}
lat_bucket{le="0.5"} {b2}
lat_bucket{le="+Inf"} {b3}
lat_count {b3}
lat_sum 1.5
# TYPE temp gauge
temp 21.5
"""

OPENMETRICS = """# TYPE req counter
req_total{code="200"} 7
req_created{code="200"} 1.7e9
# TYPE q summary
q{quantile="0.5"} 0.2
q_count 3
q_sum 0.6
# EOF
"""


def text(ok: int = 0, bad: int = 0, b1: int = 0, b2: int = 0, b3: int = 0) -> str:
    out = TEXT
    for key, v in {"ok": ok, "bad": bad, "b1": b1, "b2": b2, "b3": b3}.items():
        out = out.replace("{" + key + "}", str(v))
    return out


def by_name(points: list, name: str) -> dict[tuple[tuple[str, str], ...], float]:  # type: ignore[type-arg]
    return {tuple(sorted(p.labels.items())): p.value for p in points if p.name == name}


def test_both_formats_parse_with_types() -> None:
    kinds = {(s.name, s.kind) for s in parse_exposition(text(1, 1, 1, 1, 1))}
    assert kinds == {
        ("req_total", "counter"), ("lat_bucket", "bucket"), ("lat_count", "count"),
        ("lat_sum", "sum"), ("temp", "gauge"),
    }  # fmt: skip
    om = parse_exposition(OPENMETRICS, "application/openmetrics-text; version=1.0.0")
    assert [(s.name, s.kind, s.value) for s in om] == [
        ("req_total", "counter", 7.0),  # _created is a start time, not a value
        ("q", "gauge", 0.2),
        ("q_count", "count", 3.0),
        ("q_sum", "sum", 0.6),
    ]
    with pytest.raises(ExpositionError, match="not Prometheus text"):
        parse_exposition("this is { not metrics", "")


def test_counters_become_rates_and_buckets_increases() -> None:
    state = ScrapeState()
    first = state.observe(parse_exposition(text(10, 1, 5, 8, 9)), 100.0)
    assert {p.name for p in first.points} == {"temp"}  # counters only prime
    second = state.observe(parse_exposition(text(30, 1, 15, 28, 30)), 110.0)
    assert by_name(second.points, "req_per_second") == {
        (("code", "200"),): 2.0,
        (("code", "500"),): 0.0,
    }
    # cumulative increases 10, 20, 21 -> buckets alone 10, 10, 1
    assert by_name(second.points, "lat_bucket_increase") == {
        (("le", "0.1"),): 10.0,
        (("le", "0.5"),): 10.0,
        (("le", "+Inf"),): 1.0,
    }
    assert by_name(second.points, "lat_count_per_second") == {(): 2.1}
    assert second.increases["req_total"] == {(("code", "200"),): 20.0, (("code", "500"),): 0.0}
    assert second.elapsed == 10.0


def test_a_reset_counts_the_new_value_and_a_new_series_counts_from_zero() -> None:
    state = ScrapeState()
    state.observe(parse_exposition(text(100, 0, 0, 0, 0)), 0.0)
    after_restart = state.observe(parse_exposition(text(4, 2, 0, 0, 0)), 10.0)
    assert by_name(after_restart.points, "req_per_second")[(("code", "200"),)] == 0.4
    assert by_name(after_restart.points, "req_per_second")[(("code", "500"),)] == 0.2


@pytest.mark.parametrize(
    ("rule", "labels", "want"),
    [
        ({"source_labels": ["__name__"], "regex": "req_.*", "action": "drop"}, {}, None),
        ({"source_labels": ["__name__"], "regex": "other", "action": "keep"}, {}, None),
        ({"source_labels": ["__name__"], "regex": "req_total", "action": "keep"}, {},
         ("req_total", {})),
        ({"source_labels": ["path"], "regex": r"/users/(\d+)", "target_label": "path",
          "replacement": "/users/:id"}, {"path": "/users/42"},
         ("req_total", {"path": "/users/:id"})),
        ({"source_labels": ["a", "b"], "regex": "(.*);(.*)", "target_label": "ab",
          "replacement": "${2}-$1"}, {"a": "x", "b": "y"},
         ("req_total", {"a": "x", "b": "y", "ab": "y-x"})),
        ({"source_labels": ["a"], "regex": "x", "target_label": "a", "replacement": ""},
         {"a": "x"}, ("req_total", {})),
        ({"action": "labeldrop", "regex": "pod|ip"}, {"pod": "p", "ip": "1", "a": "x"},
         ("req_total", {"a": "x"})),
        ({"action": "labelkeep", "regex": "a"}, {"pod": "p", "a": "x"}, ("req_total", {"a": "x"})),
        ({"source_labels": ["a"], "regex": "x", "target_label": "__name__",
          "replacement": "renamed"}, {"a": "x"}, ("renamed", {"a": "x"})),
    ],
)  # fmt: skip
def test_relabel_rules(
    rule: dict[str, object], labels: dict[str, str], want: tuple[str, dict[str, str]] | None
) -> None:
    r = Relabeller([RelabelRule.model_validate(rule)])
    assert r.apply("req_total", labels) == want


def test_the_series_limit_keeps_known_series_and_whole_histograms() -> None:
    state = ScrapeState(series_limit=6)  # 8 exposed: req x2, lat buckets x3, count, sum, temp
    first = state.observe(parse_exposition(text(1, 1, 1, 1, 1)), 0.0)
    assert (first.series, first.dropped) == (6, 2)
    more = text(2, 2, 2, 2, 2).replace(
        "# TYPE lat histogram",
        "".join(f'req_total{{code="{c}"}} 1\n' for c in range(3)) + "# TYPE lat histogram",
    )
    second = state.observe(parse_exposition(more), 10.0)
    assert (second.series, second.dropped) == (6, 5)  # the six known kept, every new one cut
    assert set(by_name(second.points, "req_per_second")) == {
        (("code", "200"),),
        (("code", "500"),),
    }
    cut = ScrapeState(series_limit=4)  # req x2 and 2 of 3 buckets would fit: not half of one
    result = cut.observe(parse_exposition(text(1, 1, 1, 1, 1)), 0.0)
    assert result.series == 2
    assert result.dropped == 6


@pytest.mark.parametrize(
    ("q", "counts", "want"),
    [
        (0.5, {0.1: 10, 0.5: 10, math.inf: 0}, 0.1),
        (0.75, {0.1: 10, 0.5: 10, math.inf: 0}, 0.3),
        (0.95, {0.025: 0, 0.05: 12, math.inf: 0}, 0.04875),
        (0.99, {0.1: 1, math.inf: 99}, 0.1),  # in +Inf: the highest finite bound
        (0.5, {0.1: 0, math.inf: 0}, None),
        (0.5, {}, None),
    ],
)
def test_quantile_matches_histogram_quantile(
    q: float, counts: dict[float, float], want: float | None
) -> None:
    got = buckets.quantile(q, counts)
    assert got == (pytest.approx(want) if want is not None else None)


def test_sparse_keeps_the_edge_below_each_bucket() -> None:
    layout = [0.1, 0.2, 0.5, 1.0, math.inf]
    assert buckets.sparse({0.5: 3.0, math.inf: 1.0}, layout) == {
        0.2: 0.0,
        0.5: 3.0,
        1.0: 0.0,
        math.inf: 1.0,
    }
    assert buckets.le_text(0.25) == "0.25"
    assert buckets.le_text(math.inf) == "+Inf"
    assert buckets.bucket_index(0.001) == 0
    assert buckets.LOG_BOUNDS[buckets.bucket_index(1.0)] == 1.0
