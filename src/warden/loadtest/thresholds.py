"""Thresholds: ``p95 < 200ms``, ``error_rate < 0.1%``, ``rps > 1000``, per name with ``[name]``.

Grammar: ``METRIC[NAME]? OP VALUE``. OP is one of ``< <= > >= ==``. Metrics:

- latency: ``p50 p90 p95 p99 p99.9 min mean avg max`` with a value in ``us``, ``ms``
  (the default unit) or ``s``;
- rates (a fraction, or a percentage with ``%``): ``error_rate``, ``late_rate``,
  ``dropped_rate`` and ``error_rate.KIND`` for one error class (``error_rate.timeout``);
- throughput: ``rps`` (completed requests per second), ``bytes_per_s`` (suffixes k, M, G);
- counts: ``requests``, ``errors``, ``late``, ``dropped``.

``[NAME]`` limits a latency or error metric to one request name: ``p99[login] < 1s``.
A threshold is evaluated over a sliding window during the run (and may abort it) and over the
whole run at the end. With no data (no responses yet) it neither passes nor fails during the
run; at the end it fails, since nothing met it.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from warden.loadtest.errors import ERROR_KINDS
from warden.loadtest.histograms import LatencySummary

LATENCY_METRICS = ("p50", "p90", "p95", "p99", "p99.9", "min", "mean", "avg", "max")
RATE_METRICS = ("error_rate", "late_rate", "dropped_rate")
THROUGHPUT_METRICS = ("rps", "bytes_per_s")
COUNT_METRICS = ("requests", "errors", "late", "dropped")
PER_NAME_METRICS = (*LATENCY_METRICS, "error_rate", "requests", "errors", "rps")

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
}
_RE = re.compile(
    r"^\s*(?P<metric>[a-z_][a-z0-9_.]*?)(?:\[(?P<name>[^\]]+)\])?\s*"
    r"(?P<op><=|>=|==|<|>)\s*(?P<value>[0-9.]+)\s*(?P<unit>[a-zA-Z%]*)\s*$"
)
_TIME_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "": 1e-3}
_SIZE_UNITS = {"": 1.0, "k": 1e3, "m": 1e6, "g": 1e9, "kb": 1e3, "mb": 1e6, "gb": 1e9}


@dataclass(frozen=True, slots=True)
class Threshold:
    """A parsed threshold. Latencies are held in seconds, rates as fractions."""

    expr: str
    metric: str
    name: str | None
    op: str
    value: float
    abort: bool = False

    def passes(self, actual: float) -> bool:
        return _OPS[self.op](actual, self.value)

    @property
    def is_latency(self) -> bool:
        return self.metric in LATENCY_METRICS


def parse_threshold(text: str, abort: bool = False) -> Threshold:
    """Parse one threshold; raises ValueError with a message that says what is wrong."""
    m = _RE.match(text)
    if not m:
        raise ValueError(
            f"{text!r} is not a threshold (write e.g. 'p95 < 200ms', 'error_rate < 1%', "
            "'rps > 100')"
        )
    metric, name, op, raw, unit = m.group("metric", "name", "op", "value", "unit")
    try:
        number = float(raw)
    except ValueError:
        raise ValueError(f"{text!r}: {raw!r} is not a number") from None
    kind = metric.split(".", 1)[1] if metric.startswith("error_rate.") else None
    if kind is not None and kind not in ERROR_KINDS:
        raise ValueError(
            f"{text!r}: unknown error class {kind!r} (one of {', '.join(ERROR_KINDS)})"
        )
    known = (*LATENCY_METRICS, *RATE_METRICS, *THROUGHPUT_METRICS, *COUNT_METRICS)
    if metric not in known and kind is None:
        raise ValueError(f"{text!r}: unknown metric {metric!r} (one of {', '.join(known)})")
    if name is not None and metric not in PER_NAME_METRICS and kind is None:
        raise ValueError(f"{text!r}: {metric} cannot be limited to one request name")
    unit_l = unit.lower()
    if metric in LATENCY_METRICS:
        if unit_l not in _TIME_UNITS:
            raise ValueError(f"{text!r}: latency needs a time unit (us, ms, s), not {unit!r}")
        value = number * _TIME_UNITS[unit_l]
    elif metric in RATE_METRICS or kind is not None:
        if unit == "%":
            value = number / 100.0
        elif unit == "":
            value = number
        else:
            raise ValueError(f"{text!r}: a rate is a fraction (0.01) or a percentage (1%)")
        if not 0 <= value <= 1:
            raise ValueError(f"{text!r}: a rate must be between 0 and 100%")
    elif metric == "bytes_per_s":
        if unit_l not in _SIZE_UNITS:
            raise ValueError(f"{text!r}: unknown size unit {unit!r} (k, M, G)")
        value = number * _SIZE_UNITS[unit_l]
    else:
        if unit not in ("", "k") and not (metric == "rps" and unit_l == "rps"):
            raise ValueError(f"{text!r}: {metric} takes a plain number, not {unit!r}")
        value = number * (1000.0 if unit == "k" else 1.0)
    return Threshold(text.strip(), metric, name, op, value, abort)


class StatsView(Protocol):
    """What a threshold is evaluated on: the window, a stage, or the whole run."""

    def latency(self, name: str | None) -> LatencySummary: ...

    def requests(self, name: str | None) -> int: ...

    def errors(self, name: str | None, kind: str | None = None) -> int: ...

    @property
    def seconds(self) -> float: ...

    @property
    def bytes_in(self) -> int: ...

    @property
    def late(self) -> int: ...

    @property
    def dropped(self) -> int: ...

    @property
    def intended(self) -> int: ...


def actual_value(th: Threshold, view: StatsView) -> float | None:
    """The measured value of ``th``'s metric on ``view`` (latencies in seconds); None: no data."""
    metric, name = th.metric, th.name
    if th.is_latency:
        ms = view.latency(name).value(metric)
        return None if ms is None else ms / 1000.0
    requests = view.requests(name)
    if metric.startswith("error_rate"):
        kind = metric.split(".", 1)[1] if "." in metric else None
        return view.errors(name, kind) / requests if requests else None
    if metric in ("late_rate", "dropped_rate"):
        base = view.intended or requests
        count = view.late if metric == "late_rate" else view.dropped
        return count / base if base else None
    if metric == "rps":
        return requests / view.seconds if view.seconds > 0 else None
    if metric == "bytes_per_s":
        return view.bytes_in / view.seconds if view.seconds > 0 else None
    counts: Mapping[str, Callable[[], int]] = {
        "requests": lambda: requests,
        "errors": lambda: view.errors(name),
        "late": lambda: view.late,
        "dropped": lambda: view.dropped,
    }
    return float(counts[metric]())


def evaluate(th: Threshold, view: StatsView) -> tuple[bool | None, float | None]:
    """(passed, actual): passed is None when there is no data to judge."""
    actual = actual_value(th, view)
    if actual is None:
        return None, None
    return th.passes(actual), actual


def format_actual(th: Threshold, actual: float | None) -> str:
    if actual is None:
        return "no data"
    if th.is_latency:
        return f"{actual * 1000:.3f}ms" if actual < 1 else f"{actual:.3f}s"
    if th.metric in RATE_METRICS or th.metric.startswith("error_rate"):
        return f"{actual * 100:.3f}%"
    if th.metric in THROUGHPUT_METRICS:
        return f"{actual:,.1f}"
    return f"{actual:,.0f}"
