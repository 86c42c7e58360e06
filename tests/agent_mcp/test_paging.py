"""Pages, summaries, thinned series, periods and the config redaction of the MCP tools."""

from __future__ import annotations

from typing import Any

import pytest

from warden.mcp.paging import page, period, summary, thin
from warden.mcp.resources import redacted


@pytest.mark.parametrize(
    ("n", "offset", "limit", "shown", "next_offset"),
    [
        (0, 0, 10, [], None),
        (5, 0, 10, [0, 1, 2, 3, 4], None),
        (5, 0, 2, [0, 1], 2),
        (5, 4, 2, [4], None),
        (5, 9, 2, [], None),
    ],
)
def test_page(n: int, offset: int, limit: int, shown: list[int], next_offset: int | None) -> None:
    got = page(list(range(n)), offset, limit, "rows")
    assert got == {"rows": shown, "total": n, "offset": offset, "next_offset": next_offset}


@pytest.mark.parametrize(
    ("values", "want"),
    [
        ([], {"count": 0, "min": None, "mean": None, "max": None, "p95": None, "last": None}),
        ([3.0], {"count": 1, "min": 3.0, "mean": 3.0, "max": 3.0, "p95": 3.0, "last": 3.0}),
        ([float(i) for i in range(1, 101)],
         {"count": 100, "min": 1.0, "mean": 50.5, "max": 100.0, "p95": 95.0, "last": 100.0}),
        ([1.0, float("nan"), 5.0],
         {"count": 2, "min": 1.0, "mean": 3.0, "max": 5.0, "p95": 5.0, "last": 5.0}),
    ],
)  # fmt: skip
def test_summary(values: list[float], want: dict[str, Any]) -> None:
    assert summary(values) == want


def test_thin_keeps_short_series_and_averages_long_ones() -> None:
    short = [(0.0, 1.0), (1.0, 2.0)]
    assert thin(short, 10) == [[0.0, 1.0], [1.0, 2.0]]
    long = [(float(t), float(t % 2)) for t in range(1000)]
    got = thin(long, 10)
    assert len(got) == 10
    assert all(abs(v - 0.5) < 0.01 for _, v in got)  # the average, not a sample
    assert got[0][0] < got[-1][0]


@pytest.mark.parametrize(
    ("since", "until", "lo", "hi"),
    [("1h", None, 10_000.0 - 3600, 10_001.0), ("2h", "1h", 10_000.0 - 7200, 10_000.0 - 3600)],
)
def test_period(since: str, until: str | None, lo: float, hi: float) -> None:
    assert period(since, until, 10_000.0) == (lo, hi)


@pytest.mark.parametrize(
    ("since", "until", "message"),
    [("1h", "2h", "since must be before until"), ("soon", None, "since"),
     ("500d", None, "at most")],
)  # fmt: skip
def test_period_refuses(since: str, until: str | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        period(since, until, 100_000_000.0)


def test_redacted_hides_values_under_secret_keys() -> None:
    doc = {
        "monitors": [{"http": {"url": "https://x", "headers": {"Authorization": "Bearer t0k"}}}],
        "password": "hunter2",
        "api_key": "",
        "tokens": 3,
        "name": "shop",
    }
    got = redacted(doc)
    assert got["monitors"][0]["http"]["headers"]["Authorization"] == "***"
    assert got["password"] == "***"
    assert got["api_key"] == ""  # nothing to hide
    assert got["tokens"] == 3
    assert got["name"] == "shop"
