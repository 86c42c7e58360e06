"""The canary judge: is the canary worse than the baseline over the same window?

Each metric compares the canary's values with the baseline's with a one-sided Mann-Whitney U
test (scipy), as Kayenta's judge does: a metric is ``high`` when the canary's values are
larger with p < ``alpha`` *and* its median is more than ``tolerance`` above the baseline's (a
difference too small to matter is not a failure, however many samples prove it), ``pass``
otherwise, ``nodata`` with fewer than ``MIN_VALUES`` values on a side. The score is the share of
metrics with data that pass. A canary failing more than ``error_rate`` of its requests or checks
fails outright. Verdict: ``pass`` at a score of ``pass_score`` or more, ``marginal`` at
``marginal_score`` or more (or when no metric had data), else ``fail``.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from warden.deploys import signals
from warden.store.sql import SqlStore

MIN_VALUES = 5


@dataclass(frozen=True)
class JudgeOptions:
    alpha: float = 0.05
    tolerance: float = 0.10
    error_rate: float = 0.01
    pass_score: float = 95.0
    marginal_score: float = 75.0


def _side(values: Sequence[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0, "median": None, "p95": None}
    ordered = sorted(values)
    return {"n": len(values), "median": statistics.median(ordered),
            "p95": ordered[max(0, round(0.95 * len(ordered)) - 1)]}  # fmt: skip


def compare(name: str, baseline: Sequence[float], canary: Sequence[float],
            options: JudgeOptions) -> dict[str, Any]:  # fmt: skip
    """One metric: the two sides, the U test's p-value, the median ratio and the result."""
    row: dict[str, Any] = {"metric": name, "baseline": _side(baseline), "canary": _side(canary),
                           "p_value": None, "ratio": None}  # fmt: skip
    if len(baseline) < MIN_VALUES or len(canary) < MIN_VALUES:
        return {**row, "result": "nodata", "reason": f"fewer than {MIN_VALUES} values on a side"}
    from scipy.stats import mannwhitneyu

    p = float(mannwhitneyu(canary, baseline, alternative="greater").pvalue)
    base_median, canary_median = statistics.median(baseline), statistics.median(canary)
    ratio = canary_median / base_median if base_median > 0 else None
    worse = (ratio is None and canary_median > 0) or (ratio is not None and
                                                    ratio > 1 + options.tolerance)  # fmt: skip
    result = "high" if p < options.alpha and worse else "pass"
    reason = (f"canary larger (p={p:.3g}), median x{ratio:.2f}" if result == "high" and ratio
              else f"no meaningful increase (p={p:.3g})")  # fmt: skip
    return {**row, "p_value": p, "ratio": ratio, "result": result, "reason": reason}


def judge(
    store: SqlStore,
    config: Any,
    baseline: Mapping[str, str],
    canary: Mapping[str, str],
    since: float,
    until: float,
    *,
    metrics: Sequence[str] = (),
    options: JudgeOptions | None = None,
) -> dict[str, Any]:
    """Compare the ``canary`` selection with the ``baseline`` one over ``[since, until)``."""
    opts = options or JudgeOptions()
    base_mon = signals.selected_monitors(config, baseline)
    can_mon = signals.selected_monitors(config, canary)
    sides = {"baseline": (baseline, base_mon), "canary": (canary, can_mon)}
    rows: list[dict[str, Any]] = []
    errors: dict[str, dict[str, Any]] = {}
    latency: dict[str, list[float]] = {}
    for side, (labels, monitors) in sides.items():
        lat, failed, total = signals.check_outcomes(store, monitors, since, until)
        latency[side] = lat
        err, req = signals.request_counts(store, labels, since, until)
        use_requests = req >= signals.MIN_REQUESTS
        rate = err / req if use_requests else (failed / total if total else None)
        errors[side] = {"monitors": monitors, "checks": total, "failed_checks": failed,
                        "requests": req, "server_errors": err, "rate": rate,
                        "basis": "requests" if use_requests else "checks"}  # fmt: skip
    rows.append(compare("check latency", latency["baseline"], latency["canary"], opts))
    for name in metrics:
        values = {side: [v for s in store.sample_points(name, since, until, dict(labels))
                         for _, v in s.points] for side, (labels, _) in sides.items()}  # fmt: skip
        rows.append(compare(name, values["baseline"], values["canary"], opts))
    scored = [r for r in rows if r["result"] != "nodata"]
    score = 100.0 * sum(r["result"] == "pass" for r in scored) / len(scored) if scored else None
    canary_rate = errors["canary"]["rate"]
    reasons = []
    if canary_rate is not None and canary_rate > opts.error_rate:
        verdict = "fail"
        reasons.append(f"the canary fails {canary_rate:.2%} of its "
                       f"{errors['canary']['basis']} (limit {opts.error_rate:.0%})")  # fmt: skip
    elif score is None:
        verdict = "marginal"
        reasons.append("no metric had enough data on both sides")
    else:
        verdict = ("pass" if score >= opts.pass_score else
                   "marginal" if score >= opts.marginal_score else "fail")  # fmt: skip
        reasons += [f"{r['metric']}: {r['reason']}" for r in scored if r["result"] == "high"]
    if not can_mon and not errors["canary"]["requests"]:
        reasons.append("the canary selector matched no monitor and no request history")
    return {"verdict": verdict, "score": score, "since": since, "until": until,
            "reasons": reasons, "error_rate": errors, "metrics": rows,
            "baseline": dict(baseline), "canary": dict(canary),
            "options": opts.__dict__}  # fmt: skip
