"""``warden ready --traffic 10x``: are we ready for N times today's peak?

1. The current peak request rate comes from a number given, the stored traffic
   (``http_requests_per_second`` of a service, highest minute of the last 7 days) or the load
   test history (the highest rate a stored run achieved).
2. A bounded ramp runs against the target with ``warden load``'s engine: ``steps`` held levels
   from N/steps times the peak up to N times it, each ``step_duration`` long, with the host (a
   loopback target) and the named database collectors sampling. The run stops at the first
   level that breaks the performance budget (p95 and error rate over a sliding window).
3. Each level is judged against the budget (default: p95 under 200 ms, errors under 0.1 %,
   CPU and memory under 90 %, database connections under 90 % of the maximum); the first limit
   hit, the headroom (the highest multiple of the peak that passed) and the verdict (READY when
   N times the peak passed) come from those.
4. Resources the capacity forecasts see growing are projected at N times their growth: those
   that would run out within 30 days at that pace are listed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from warden.loadtest.results import RunResult
from warden.loadtest.scenario import Scenario

SCHEMA = "warden.capacity.ready/v1"
DAY = 86400.0


@dataclass(frozen=True)
class Budget:
    p95_ms: float = 200.0
    error_rate: float = 0.001
    cpu_percent: float = 90.0
    memory_percent: float = 90.0
    connections_percent: float = 90.0


def stored_peak(engine: Any, service: str | None, now: float) -> tuple[float, str] | None:
    """The highest minute of ``http_requests_per_second`` over 7 days (one service, or the sum
    of all), or the best rate a stored load test achieved; with where it came from."""
    from warden.store import queries

    got = queries.sample_buckets(engine, "http_requests_per_second", now - 7 * DAY, now + 1,
                                 fine_from=now - 7 * DAY)  # fmt: skip
    per_minute: dict[float, float] = {}
    import json

    for labels_json, buckets in got.items():
        labels = json.loads(labels_json)
        if "service" not in labels or "route" in labels:
            continue
        if service is not None and labels["service"] != service:
            continue
        for at, (total, n) in buckets.items():
            if n:
                per_minute[at] = per_minute.get(at, 0.0) + total / n
    if per_minute:
        peak = max(per_minute.values())
        who = f"service {service}" if service else "all services"
        return peak, f"stored traffic of {who} (busiest minute of the last 7 days)"
    from sqlalchemy import func, select

    from warden.loadtest import storage

    with engine.connect() as conn:
        best = conn.execute(select(func.max(storage.loadtest_runs.c.rps))).scalar()
    if best:
        return float(best), "load test history (the best rate a stored run achieved)"
    return None


def readiness_scenario(
    target: str,
    paths: Sequence[str],
    peak: float,
    factor: float,
    *,
    steps: int,
    step_duration: float,
    budget: Budget,
    databases: Sequence[str] = (),
    allow_remote: bool = False,
) -> Scenario:
    """Held levels up to ``factor`` times ``peak``, aborted at the first broken budget."""
    levels = [peak * factor * (i + 1) / steps for i in range(steps)]
    stages = [
        {"duration": step_duration, "target": level, "ramp": False, "label": f"{level / peak:g}x"}
        for level in levels
    ]
    total = sum(level * step_duration for level in levels)
    return Scenario.model_validate(
        {
            "name": f"ready for {factor:g}x",
            "target": target,
            "rate": levels[0],
            "stages": stages,
            "max_requests": max(1, math.ceil(total * 1.05)),
            "timeout": 5.0,
            "window": min(10.0, step_duration),
            "requests": [{"name": p, "path": p} for p in paths],
            "thresholds": [
                {"expr": f"p95 < {budget.p95_ms:g}ms", "abort": True},
                {"expr": f"error_rate < {budget.error_rate * 100:g}%", "abort": True},
            ],
            "databases": list(databases),
            "allow_remote": allow_remote,
        }
    )


def _resource_peak(result: RunResult, name: str, start: float, end: float) -> float | None:
    values = [
        v
        for s in result.resources
        if s.name.split("{")[0] == name
        for t, v in s.points
        if start <= t <= end
    ]
    return max(values) if values else None


def judge(result: RunResult, peak: float, factor: float, budget: Budget) -> dict[str, Any]:
    """Each level against the budget; the first limit, the headroom and the verdict."""
    levels = []
    first_limit: dict[str, Any] | None = None
    passed_multiple = 0.0
    for stage in result.stages:
        multiple = stage.target_to / peak if peak else 0.0
        p95 = stage.latency.p95_ms
        cpu = _resource_peak(result, "host_cpu_percent", stage.start_s, stage.end_s)
        memory = _resource_peak(result, "host_memory_used_percent", stage.start_s, stage.end_s)
        connections = None
        for name in ("postgres_connections_percent", "mysql_connections_percent"):
            got = _resource_peak(result, name, stage.start_s, stage.end_s)
            if got is not None:
                connections = max(connections or 0.0, got)
        broken = []
        if stage.requests == 0:
            broken.append("no response")
        if p95 is not None and p95 > budget.p95_ms:
            broken.append(f"p95 {p95:.0f} ms > {budget.p95_ms:g} ms")
        if stage.error_rate > budget.error_rate:
            broken.append(f"errors {stage.error_rate:.2%} > {budget.error_rate:.2%}")
        if cpu is not None and cpu > budget.cpu_percent:
            broken.append(f"CPU {cpu:.0f}% > {budget.cpu_percent:g}%")
        if memory is not None and memory > budget.memory_percent:
            broken.append(f"memory {memory:.0f}% > {budget.memory_percent:g}%")
        if connections is not None and connections > budget.connections_percent:
            broken.append(f"connections {connections:.0f}% > {budget.connections_percent:g}%")
        level = {
            "label": stage.label,
            "multiple": round(multiple, 3),
            "target_rps": stage.target_to,
            "achieved_rps": stage.rps,
            "requests": stage.requests,
            "p95_ms": p95,
            "error_rate": stage.error_rate,
            "cpu_percent": cpu,
            "memory_percent": memory,
            "connections_percent": connections,
            "passed": not broken,
            "broken": broken,
        }
        levels.append(level)
        if broken and first_limit is None:
            first_limit = {"multiple": level["multiple"], "limits": broken}
        if not broken and first_limit is None:
            passed_multiple = max(passed_multiple, multiple)
    ready = first_limit is None and passed_multiple >= factor - 1e-9
    return {
        "verdict": "READY" if ready else "NOT READY",
        "headroom": round(passed_multiple, 3),
        "first_limit": first_limit,
        "levels": levels,
    }


def forecast_at(
    pairs: Sequence[tuple[Any, Any]], factor: float, now: float, within: float = 30 * DAY
) -> list[dict[str, Any]]:
    """Resources whose growth, multiplied by ``factor``, fills them within ``within``."""
    out = []
    for h, f in pairs:
        if f.status != "ok" or not f.slope_per_day or f.slope_per_day <= 0 or f.current is None:
            continue
        left = h.limit - f.current
        if left <= 0:
            continue
        days = left / (f.slope_per_day * factor)
        if days * DAY <= within:
            today = left / f.slope_per_day
            out.append({"resource": h.name, "kind": h.kind, "days_to_full_now": round(today, 2),
                        f"days_to_full_at_{factor:g}x": round(days, 2)})  # fmt: skip
    return sorted(out, key=lambda r: r["days_to_full_now"])


def ready_json(
    scenario: Scenario,
    result: RunResult,
    peak: float,
    peak_source: str,
    factor: float,
    budget: Budget,
    at_risk: list[dict[str, Any]],
) -> dict[str, Any]:
    judged = judge(result, peak, factor, budget)
    return {
        "schema": SCHEMA,
        "target": scenario.target,
        "traffic": f"{factor:g}x",
        "peak_rps": peak,
        "peak_source": peak_source,
        "budget": {
            "p95_ms": budget.p95_ms,
            "error_rate": budget.error_rate,
            "cpu_percent": budget.cpu_percent,
            "memory_percent": budget.memory_percent,
            "connections_percent": budget.connections_percent,
        },
        **judged,
        "run": {
            "stop_reason": result.stop_reason,
            "requests": result.requests,
            "elapsed_s": result.elapsed_s,
            "rps": result.rps,
            "p95_ms": result.latency.p95_ms if result.latency else None,
            "error_rate": result.error_rate,
        },
        "forecasts_at_risk": at_risk,
        "evidence": _evidence(judged, peak, factor),
    }


def _evidence(judged: dict[str, Any], peak: float, factor: float) -> list[str]:
    out = []
    for level in judged["levels"]:
        state = "passed" if level["passed"] else "failed: " + "; ".join(level["broken"])
        p95 = "-" if level["p95_ms"] is None else f"{level['p95_ms']:.0f} ms"
        out.append(
            f"{level['multiple']:g}x ({level['target_rps']:.0f} req/s asked, "
            f"{level['achieved_rps']:.0f} achieved): p95 {p95}, errors "
            f"{level['error_rate']:.2%}: {state}"
        )
    if judged["verdict"] == "READY":
        out.append(f"{factor:g}x the peak of {peak:g} req/s held within the budget")
    return out


@dataclass(frozen=True)
class ReadyRequest:
    """What one readiness run asks (the CLI's options, the API's body)."""

    target: str
    factor: float
    peak: float | None = None
    service: str | None = None
    paths: tuple[str, ...] = ("/",)
    steps: int = 5
    step_duration: float = 20.0
    budget: Budget = Budget()
    databases: tuple[str, ...] = ()
    allow_remote: bool = False


def run_readiness(
    req: ReadyRequest, *, engine: Any, capacity: Any, config_path: Any, now: float,
    announce: Any = None,
) -> dict[str, Any]:  # fmt: skip
    """Find the peak, ramp, judge (the one function behind ``warden ready`` and the API).
    ValueError (or LoadTestError) for a request that cannot run."""
    from warden.capacity.report import forecasts
    from warden.loadtest.compile import compile_plan
    from warden.loadtest.monitor import build_monitor
    from warden.loadtest.runner import LoadRunner

    if not 1 <= req.factor <= 1000:
        raise ValueError("traffic: between 1x and 1000x")
    if not 1 <= req.step_duration <= 600:
        raise ValueError("step duration: between 1s and 10m")
    peak, source = req.peak, "--peak"
    if peak is None:
        found = stored_peak(engine, req.service, now) if engine is not None else None
        if found is None:
            raise ValueError(
                "no stored traffic or load test gives today's peak: give the peak (req/s)"
            )
        peak, source = found
    scenario = readiness_scenario(
        req.target, req.paths, peak, req.factor, steps=req.steps,
        step_duration=req.step_duration, budget=req.budget, databases=req.databases,
        allow_remote=req.allow_remote,
    )  # fmt: skip
    plan = compile_plan(scenario, workers=1)
    pairs = list(forecasts(engine, capacity, now)) if engine is not None else []
    monitor, notes = build_monitor(plan.local, plan.databases, config_path)
    if announce is not None:
        announce(
            f"Ramping {req.target} to {req.factor:g}x the peak of {peak:g} req/s ({source}) in "
            f"{req.steps} levels of {req.step_duration:g}s; stops at the first broken budget."
        )
    result = LoadRunner(plan, monitor=monitor, notes=notes).run()
    return ready_json(scenario, result, peak, source, req.factor, req.budget,
                      forecast_at(pairs, req.factor, now))  # fmt: skip
