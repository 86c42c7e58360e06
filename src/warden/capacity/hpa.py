"""``warden capacity export-hpa``: a scaling policy as the equivalent Kubernetes
HorizontalPodAutoscaler (autoscaling/v2) manifest.

CPU and memory triggers become Resource metrics (average utilization of the pods' requests);
the others (latency, queue depth, error ratio, your own series) become External metrics named
as Warden exports them on /metrics (``warden_<series>``), for a metrics adapter such as
prometheus-adapter to serve. ``min``/``max`` become the replica bounds, ``step`` and
``cooldown`` a Pods policy per period, the stabilization windows the ``behavior`` windows.
Schedules have no HPA equivalent and are left out (a comment says so).
"""

from __future__ import annotations

from typing import Any

import yaml

from warden.capacity.config import ScalingPolicy, TriggerConfig

_RESOURCES = {"host_cpu_percent": "cpu", "host_memory_used_percent": "memory"}


def _metric(t: TriggerConfig) -> dict[str, Any]:
    resource = _RESOURCES.get(t.series)
    if resource is not None:
        return {
            "type": "Resource",
            "resource": {
                "name": resource,
                "target": {"type": "Utilization", "averageUtilization": round(t.out_above)},
            },
        }
    selector = {"matchLabels": dict(t.labels)} if t.labels else None
    metric: dict[str, Any] = {"name": f"warden_{t.series}"}
    if selector:
        metric["selector"] = selector
    return {
        "type": "External",
        "external": {"metric": metric, "target": {"type": "Value", "value": f"{t.out_above:g}"}},
    }


def hpa_manifest(policy: ScalingPolicy) -> dict[str, Any]:
    target = policy.kubernetes.deployment if policy.kubernetes else policy.name
    namespace = policy.kubernetes.namespace if policy.kubernetes else "default"
    period = max(1, min(1800, round(policy.cooldown)))
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": policy.name, "namespace": namespace,
                     "labels": {"app.kubernetes.io/managed-by": "warden"}},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
            "minReplicas": max(1, policy.min),
            "maxReplicas": policy.max,
            "metrics": [_metric(t) for t in policy.triggers],
            "behavior": {
                "scaleUp": {
                    "stabilizationWindowSeconds": round(policy.scale_up_stabilization),
                    "policies": [{"type": "Pods", "value": policy.step, "periodSeconds": period}],
                },
                "scaleDown": {
                    "stabilizationWindowSeconds": round(policy.scale_down_stabilization),
                    "policies": [{"type": "Pods", "value": policy.step, "periodSeconds": period}],
                },
            },
        },
    }  # fmt: skip


def hpa_yaml(policy: ScalingPolicy) -> str:
    head = f"# HorizontalPodAutoscaler for Warden scaling policy {policy.name!r}.\n"
    if policy.schedule:
        head += "# Its schedule (cron bounds) has no HPA equivalent and is not included.\n"
    if any(t.series not in _RESOURCES for t in policy.triggers):
        head += "# External metrics need a metrics adapter serving Warden's /metrics.\n"
    return head + yaml.safe_dump(hpa_manifest(policy), sort_keys=False)
