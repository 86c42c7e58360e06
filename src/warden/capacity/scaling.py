"""Scaling policies: from trigger values to a size, without flapping, and the action run.

Each evaluation (``Scaler.decide``):

1. Every trigger's value is its ``agg`` over its ``for`` window of stored samples (all
   matching series together). Triggers without samples are left out.
2. A trigger above ``out_above`` recommends one ``step`` more; every trigger with data below
   its ``in_below`` recommends one step less; anything in between keeps the size.
3. The recommendation is clamped to the bounds, which a ``schedule`` entry may change (the
   entry whose cron fired last wins).
4. Like Kubernetes' HPA, a scale-out takes the lowest size recommended over
   ``scale_up_stabilization`` and a scale-in the highest over ``scale_down_stabilization``;
   and no change happens within ``cooldown`` of the last one, unless the bounds force it.

A change runs the action (a command with ``{size}``, a webhook, or the Kubernetes API scaling
a Deployment); ``dry_run`` only records. Every change and every failed action is stored as an
event (scaling_store.py) and written to the timeline of each open incident.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from croniter import croniter

from warden.capacity.config import ScalingPolicy, TriggerConfig
from warden.capacity.scaling_store import ScalingEvent

log = logging.getLogger("warden.capacity")

Values = dict[str, float | None]


@dataclass
class Decision:
    policy: str
    at: float
    current: int
    desired: int
    reason: str
    values: Values = field(default_factory=dict)
    bounds: tuple[int, int] = (0, 0)

    @property
    def change(self) -> bool:
        return self.desired != self.current


Points = Sequence[tuple[float, float]]


def trigger_value(trigger: TriggerConfig, series: Sequence[Points]) -> float | None:
    """``agg`` of every point of every matching series over the window."""
    from warden.alerting.rules import aggregate

    points = sorted(p for s in series for p in s)
    if not points:
        return None
    return aggregate(trigger.agg, points, points[-1][0])


def bounds(policy: ScalingPolicy, now: float) -> tuple[int, int]:
    """(min, max) now: the policy's, or those of the schedule entry that fired last."""
    lo, hi = policy.min, policy.max
    latest: float | None = None
    for entry in policy.schedule:
        base = dt.datetime.fromtimestamp(now, dt.UTC)
        fired = croniter(entry.cron, base).get_prev(dt.datetime).timestamp()
        if latest is None or fired > latest:
            latest = fired
            lo = entry.min if entry.min is not None else policy.min
            hi = entry.max if entry.max is not None else policy.max
    return lo, max(lo, hi)


class Scaler:
    """One policy's memory: its size, when it last changed and its recent recommendations."""

    def __init__(self, policy: ScalingPolicy, size: int | None = None,
                 changed_at: float | None = None) -> None:  # fmt: skip
        self.policy = policy
        start = policy.initial if policy.initial is not None else policy.min
        self.size = size if size is not None else start
        self.changed_at = changed_at
        self._recommended: deque[tuple[float, int]] = deque()

    def decide(self, values: Values, now: float) -> Decision:
        p = self.policy
        lo, hi = bounds(p, now)
        hot = [t for t in p.triggers if (v := values.get(t.name)) is not None and v > t.out_above]
        with_data = [t for t in p.triggers if values.get(t.name) is not None]
        cold = bool(with_data) and all(values[t.name] < t.in_below for t in with_data)  # type: ignore[operator]
        if hot:
            wanted = self.size + p.step
            reason = "; ".join(f"{t.name} {values[t.name]:.4g} > {t.out_above:g}" for t in hot)
        elif cold:
            wanted = self.size - p.step
            reason = "all below: " + ", ".join(
                f"{t.name} {values[t.name]:.4g} < {t.in_below:g}" for t in with_data
            )
        else:
            wanted = self.size
            reason = "no trigger crossed" if with_data else "no trigger has data"
        recommended = min(max(wanted, lo), hi)
        self._recommended.append((now, recommended))
        keep = max(p.scale_up_stabilization, p.scale_down_stabilization)
        while self._recommended and self._recommended[0][0] < now - keep:
            self._recommended.popleft()
        if self.size < lo or self.size > hi:  # the bounds moved (a schedule): follow at once
            target = min(max(self.size, lo), hi)
            why = f"schedule: size must be within {lo}..{hi}"
            return Decision(p.name, now, self.size, target, why, values, (lo, hi))
        desired = self.size
        if recommended > self.size:
            window = [r for t, r in self._recommended if t >= now - p.scale_up_stabilization]
            desired = max(self.size, min(window))
            if desired == self.size:
                reason += f"; held: scale-up stabilization {p.scale_up_stabilization:g}s"
        elif recommended < self.size:
            window = [r for t, r in self._recommended if t >= now - p.scale_down_stabilization]
            desired = min(self.size, max(window))
            if desired == self.size:
                reason += f"; held: scale-down stabilization {p.scale_down_stabilization:g}s"
        if wanted != recommended and desired == self.size:
            edge = ("maximum", hi) if wanted > hi else ("minimum", lo)
            reason += f"; at the {edge[0]} ({edge[1]})"
        if desired != self.size and self.changed_at is not None:
            left = p.cooldown - (now - self.changed_at)
            if left > 0:
                reason += f"; held: cooldown ({left:.0f}s left)"
                desired = self.size
        return Decision(p.name, now, self.size, desired, reason, values, (lo, hi))


async def run_action(policy: ScalingPolicy, decision: Decision) -> str | None:
    """Resize through the policy's action; the error, or None when it worked."""
    if policy.command is not None:
        return await _command(policy, decision)
    if policy.webhook is not None:
        from warden.notify.channels._http import post_json

        body = {"policy": policy.name, "from": decision.current, "to": decision.desired,
                "reason": decision.reason, "time": decision.at, "dry_run": False}  # fmt: skip
        got = await post_json(policy.webhook.url.get_secret_value(), body,
                              timeout=policy.webhook.timeout)  # fmt: skip
        return None if got.ok else f"webhook {policy.webhook.url.display()}: {got.error}"
    if policy.kubernetes is not None:
        return await asyncio.to_thread(_kubernetes, policy, decision.desired)
    return "no action configured"


async def _command(policy: ScalingPolicy, decision: Decision) -> str | None:
    assert policy.command is not None
    fill = {"size": str(decision.desired), "from": str(decision.current), "policy": policy.name}
    argv = [_fill(a, fill) for a in policy.command.argv]
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
    except OSError as exc:
        return f"{argv[0]}: {exc.strerror or exc}"
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), policy.command.timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return f"{argv[0]} took longer than {policy.command.timeout:g}s"
    if proc.returncode != 0:
        tail = out.decode("utf-8", "replace").strip().splitlines()[-1:] if out else []
        return f"{argv[0]} exited {proc.returncode}" + (f": {tail[0][:200]}" if tail else "")
    return None


def _fill(arg: str, values: Mapping[str, str]) -> str:
    for key, value in values.items():
        arg = arg.replace("{" + key + "}", value)
    return arg


def _kubernetes(policy: ScalingPolicy, size: int) -> str | None:
    """Scale the Deployment through its ``scale`` subresource (the official client)."""
    from kubernetes import client, config
    from kubernetes.client.exceptions import ApiException
    from kubernetes.config.config_exception import ConfigException

    k = policy.kubernetes
    assert k is not None
    try:
        if k.kubeconfig is not None:
            config.load_kube_config(str(k.kubeconfig), context=k.context)  # type: ignore[no-untyped-call]
        else:
            try:
                config.load_incluster_config()  # type: ignore[no-untyped-call]
            except ConfigException:
                config.load_kube_config(context=k.context)  # type: ignore[no-untyped-call]
        api = client.AppsV1Api()
        api.patch_namespaced_deployment_scale(
            k.deployment, k.namespace, {"spec": {"replicas": size}}
        )
    except ApiException as exc:
        return f"kubernetes {k.namespace}/{k.deployment}: HTTP {exc.status} {exc.reason}"
    except (ConfigException, OSError) as exc:
        return f"kubernetes {k.namespace}/{k.deployment}: {exc}"
    return None


def event_of(decision: Decision, dry_run: bool, error: str | None) -> ScalingEvent:
    return ScalingEvent(decision.policy, decision.at, decision.current, decision.desired,
                        decision.reason, dict(decision.values), dry_run, error is None,
                        error)  # fmt: skip


ReadValues = Callable[[ScalingPolicy, float], Values]
