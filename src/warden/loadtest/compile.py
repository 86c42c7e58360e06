"""From a validated ``Scenario`` to a ``RunPlan``: profile, serialized requests, worker shares.

This is also where the bounds are enforced: a target that is not loopback needs
``allow_remote``, every run has a finite duration and a request cap, and ``describe`` says in
one paragraph what the run is about to do before anything is sent.
"""

from __future__ import annotations

import ipaddress
import json
import os
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from warden.errors import LoadTestError
from warden.loadtest.checks import (
    BodyContains,
    BodyRegex,
    Check,
    JsonPathCheck,
    StatusCheck,
    parse_json_path,
    parse_status_spec,
)
from warden.loadtest.plan import CLOSED, OPEN, Target, WorkerPlan
from warden.loadtest.scenario import CheckSpec, RequestSpec, Scenario
from warden.loadtest.stages import DEFAULT_DURATIONS, Profile, Stage, from_levels, preset
from warden.loadtest.templates import (
    RequestTemplate,
    compile_request,
    variable_names,
    weighted_order,
)
from warden.loadtest.thresholds import Threshold, parse_threshold
from warden.loadtest.variables import SequenceVar, VariableData, check_names, read_csv

DEFAULT_DURATION = 60.0
MAX_DURATION = 7 * 86400.0
BREAK_PRESETS = ("stress", "breakpoint")
"""Presets that look for the breaking point: their thresholds abort the run unless told not to."""
DEFAULT_BREAK_THRESHOLDS = ("error_rate < 1%", "p99 < 1s")
"""Used by stress and breakpoint when the scenario gives no threshold (they abort the run)."""


@dataclass(frozen=True, slots=True)
class RunPlan:
    name: str
    target_url: str
    model: str
    preset: str | None
    profile: Profile
    names: tuple[str, ...]
    thresholds: tuple[Threshold, ...]
    window: float
    workers: tuple[WorkerPlan, ...]
    max_requests: int
    timeout: float
    local: bool
    databases: tuple[str, ...]

    @property
    def duration(self) -> float:
        return self.profile.duration

    @property
    def unit(self) -> str:
        return "req/s" if self.model == OPEN else "VUs"


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses; no name is resolved."""
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def build_profile(scenario: Scenario) -> Profile:
    level = scenario.rate if scenario.model == OPEN else scenario.vus
    if scenario.stages is not None:
        return from_levels([(s.duration, s.target, s.ramp, s.label) for s in scenario.stages])
    assert level is not None
    if scenario.preset is not None:
        try:
            return preset(scenario.preset, float(level), scenario.duration, scenario.peak)
        except ValueError as exc:
            raise LoadTestError(f"preset {scenario.preset}: {exc}") from exc
    duration = scenario.duration or DEFAULT_DURATION
    return Profile((Stage(duration, float(level), float(level), "steady"),))


def compile_plan(
    scenario: Scenario,
    base_dir: Path | None = None,
    workers: int | None = None,
    variables: VariableData | None = None,
) -> RunPlan:
    """Check the bounds and build every worker's plan. Raises LoadTestError.

    ``workers`` is the number of worker processes in all (default: the scenario's
    ``processes``, else one per core); ``variables`` is data already read (a remote worker
    gets it from the controller instead of reading the scenario's CSV file)."""
    parts = urlsplit(scenario.target)
    host = parts.hostname or ""
    local = is_loopback(host)
    if not local and not scenario.allow_remote:
        raise LoadTestError(
            f"target {host!r} is not loopback; pass --allow-remote (or allow_remote: true) to "
            "load-test another machine, and only one you are allowed to test"
        )
    tls = parts.scheme == "https"
    port = parts.port or (443 if tls else 80)
    target = Target(parts.scheme, host, port, scenario.tls_verify)
    default_port = port == (443 if tls else 80)
    host_header = host if default_port else f"{host}:{port}"
    if ":" in host and not default_port:
        host_header = f"[{host}]:{port}"
    prefix = parts.path.rstrip("/")

    profile = build_profile(scenario)
    if profile.duration <= 0:
        raise LoadTestError("the run has no duration; give duration or stages")
    if profile.duration > MAX_DURATION:
        raise LoadTestError("a run may last at most 7 days")
    if profile.peak <= 0:
        raise LoadTestError("every stage has a target of 0: nothing would be sent")

    if variables is None:
        variables = _variables(scenario, base_dir or Path.cwd())
    templates = tuple(
        _template(i, r, scenario, host_header, prefix, variables)
        for i, r in enumerate(scenario.requests)
    )
    order = weighted_order([r.weight for r in scenario.requests])

    specs = scenario.threshold_specs()
    breaking = scenario.preset in BREAK_PRESETS
    thresholds = tuple(
        parse_threshold(t.expr, breaking if t.abort is None else t.abort) for t in specs
    )
    if not thresholds and breaking:
        thresholds = tuple(parse_threshold(t, abort=True) for t in DEFAULT_BREAK_THRESHOLDS)
    names = tuple(t.name for t in templates)
    for th in thresholds:
        if th.name is not None and th.name not in names:
            raise LoadTestError(f"threshold {th.expr!r}: no request is named {th.name!r}")

    count = workers or scenario.processes or os.cpu_count() or 1
    if scenario.model == CLOSED:
        count = max(1, min(count, int(profile.peak)))
    think_min, think_max = scenario.think()
    plans = tuple(
        WorkerPlan(
            index=i,
            workers=count,
            model=scenario.model,
            target=target,
            templates=templates,
            order=order,
            variables=variables,
            profile=profile,
            max_requests=_share(scenario.max_requests, count, i),
            timeout=scenario.timeout,
            max_connections=max(1, _share(scenario.connections, count, i)),
            think_min=think_min,
            think_max=think_max,
            late_after=scenario.late_after,
            seed=zlib.crc32(scenario.name.encode()),
        )
        for i in range(count)
    )
    return RunPlan(
        name=scenario.name,
        target_url=scenario.target,
        model=scenario.model,
        preset=scenario.preset,
        profile=profile,
        names=names,
        thresholds=thresholds,
        window=max(scenario.window, 1.0),
        workers=plans,
        max_requests=scenario.max_requests,
        timeout=scenario.timeout,
        local=local,
        databases=tuple(scenario.databases),
    )


def _share(total: int, count: int, index: int) -> int:
    return total // count + (1 if index < total % count else 0)


def _variables(scenario: Scenario, base_dir: Path) -> VariableData | None:
    spec = scenario.variables
    if spec is None:
        return None
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    if spec.csv is not None:
        path = Path(spec.csv.file)
        columns, rows = read_csv(
            path if path.is_absolute() else base_dir / path, spec.csv.delimiter
        )
    sequences = tuple(SequenceVar(n, s.start, s.step) for n, s in spec.sequences.items())
    clash = set(columns) & {s.name for s in sequences}
    if clash:
        raise LoadTestError(
            f"variables: {', '.join(sorted(clash))} is both a column and a sequence"
        )
    return VariableData(columns, rows, sequences)


def _template(
    index: int,
    spec: RequestSpec,
    scenario: Scenario,
    host_header: str,
    prefix: str,
    variables: VariableData | None,
) -> RequestTemplate:
    headers = {**scenario.headers, **spec.headers}
    body = spec.body
    if spec.json_body is not None:
        body = json.dumps(spec.json_body, separators=(",", ":"))
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
    checks = tuple(_check(c) for c in spec.checks)
    template = compile_request(
        index,
        spec.display_name(),
        spec.method,
        prefix + spec.path,
        host_header,
        headers,
        body,
        checks,
    )
    used = variable_names((*template.path, *template.head, *template.body))
    if used:
        check_names(used, variables or VariableData(), f"requests[{index}] ({template.name})")
    return template


def _check(spec: CheckSpec) -> Check:
    if spec.status is not None:
        return StatusCheck(parse_status_spec(spec.status))
    if spec.body_contains is not None:
        return BodyContains(spec.body_contains.encode())
    if spec.body_regex is not None:
        return BodyRegex(spec.body_regex)
    assert spec.json_ is not None
    j = spec.json_
    has_equals = "equals" in j.model_fields_set
    return JsonPathCheck(j.path, parse_json_path(j.path), j.equals, has_equals, j.exists)


def describe(plan: RunPlan, fleets: Sequence[Any] | None = None) -> str:
    """What the run will do, in one paragraph, printed before it starts (``fleets``: the
    remote workers that generate it)."""
    p = plan.profile
    shape = plan.preset or ("stages" if len(p.stages) > 1 else "constant")
    level = f"up to {p.peak:g} {plan.unit}"
    names = ", ".join(plan.names[:5]) + (", ..." if len(plan.names) > 5 else "")
    where = "loopback" if plan.local else "REMOTE host (allowed by --allow-remote)"
    return (
        f"Load test {plan.name!r}: {plan.model} model, {shape}, {level}, for {p.duration:g}s "
        f"({len(p.stages)} stage{'s' if len(p.stages) != 1 else ''}) against {plan.target_url} "
        f"[{where}]; requests: {names}; at most {plan.max_requests:,} requests, timeout "
        f"{plan.timeout:g}s each; {len(plan.workers)} worker process"
        f"{'es' if len(plan.workers) != 1 else ''}{_on_workers(fleets)}."
    )


def _on_workers(fleets: Sequence[Any] | None) -> str:
    if not fleets:
        return ""
    names = ", ".join(f"{f.name} ({len(f.indices)})" for f in fleets)
    return f" on {len(fleets)} remote worker{'s' if len(fleets) != 1 else ''}: {names}"


__all__ = [
    "DEFAULT_DURATIONS",
    "RunPlan",
    "build_profile",
    "compile_plan",
    "describe",
    "is_loopback",
]
