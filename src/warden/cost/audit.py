"""The cost audit's opportunities, the way a finance-minded reader expects them: numbered,
largest saving first, each with its current state, the problem, the solution and the monthly
saving, and the resources behind it."""

from __future__ import annotations

from typing import Any

from warden.cost.config import CostConfig
from warden.cost.resources import brief

_WASTE = {
    "near_zero_usage": (
        "Remove resources with near-zero usage",
        "Resources billed while doing almost nothing: {n} ({examples}).",
        "Every month pays for capacity nobody uses.",
        "Confirm with their owners, snapshot what must be kept, then delete or stop them.",
    ),
    "idle_load_balancer": (
        "Delete idle load balancers",
        "Load balancers billed by the hour with no traffic: {n} ({examples}).",
        "A load balancer costs its hourly fee whether or not it serves anything.",
        "Check nothing resolves to them (DNS, clients), then delete them.",
    ),
    "stopped_instance_storage": (
        "Release the storage of stopped instances",
        "Volumes of stopped instances, still billed: {n} ({examples}).",
        "Stopping an instance stops its hours, not its disks.",
        "Snapshot the volumes you may need, then terminate the instances or delete the volumes.",
    ),
    "unattached_volume": (
        "Delete unattached volumes",
        "Volumes whose instance is no longer in the bill: {n} ({examples}).",
        "An unattached volume is pure storage cost.",
        "Snapshot if in doubt (cheaper), then delete the volumes.",
    ),
    "old_snapshot": (
        "Expire old snapshots",
        "Snapshots older than the retention: {n} ({examples}).",
        "Snapshots pile up without a retention policy.",
        "Delete the old ones and set a lifecycle policy (e.g. Data Lifecycle Manager).",
    ),
    "lifecycle": (
        "Move old object storage to an infrequent-access class",
        "Buckets keeping old data in the standard class: {n} ({examples}).",
        "Rarely read data is billed at the hot-storage price.",
        "Add a lifecycle rule: infrequent access after the age, archive later.",
    ),
    "nonprod_schedule": (
        "Run non-production only in working hours",
        "Non-production instances running through nights and weekends: {n} ({examples}).",
        "Nobody uses them at night, but every hour is billed.",
        "Stop them on a schedule (scheduled scaling, Instance Scheduler, a cron job).",
    ),
}


def _examples(resources: list[dict[str, Any]], total: int | None = None) -> str:
    names = [r["name"] or r["resource_id"] for r in resources[:3]]
    more = (len(resources) if total is None else total) - 3
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def opportunities(
    sized: dict[str, Any], wasted: dict[str, Any], committed: dict[str, Any], config: CostConfig
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for kind, items in wasted["found"].items():
        if not items:
            continue
        ranked = sorted(items, key=lambda f: -f[1])
        rows = [brief(r, s, d) for r, s, d in ranked[:20]]
        title, state, problem, solution = _WASTE[kind]
        saving = sum(f[1] for f in ranked)
        text = state.format(n=len(ranked), examples=_examples(rows, len(ranked)))
        out.append(_entry(kind, title, text, problem, solution, rows, saving, len(ranked)))
    over = [h for h in sized["hosts"] if h["status"] == "over-provisioned"]
    if over:
        rows = [
            {
                "resource_id": h["resource_id"],
                "name": h["host"],
                "monthly_cost": h["monthly_cost"],
                "saving": h["monthly_saving"],
                "detail": f"{h['current']} -> {h['recommended']} (CPU P99.5 "
                f"{h['cpu_percentile']}%, memory {h['memory_percentile']}%)",
            }
            for h in over
        ]
        out.append(
            _entry(
                "rightsizing",
                "Right-size over-provisioned instances",
                f"Instances larger than their peak use needs: {len(rows)} ({_examples(rows)}).",
                f"Their P99.5 CPU and memory, with {config.rightsizing.cpu_headroom:.0%} headroom, "
                "fit a smaller size.",
                "Resize each to the recommended type in a maintenance window (one restart).",
                rows,
            )
        )
    spot = committed["spot"]
    if spot["count"]:
        out.append(
            _entry(
                "spot",
                "Run non-production and fault-tolerant workloads on spot",
                f"Interruptible instances running on demand: {spot['count']} "
                f"({_examples(spot['resources'])}).",
                "On-demand prices pay for a guarantee these workloads do not need.",
                f"Move them to spot (about {config.commitments.spot_discount:.0%} cheaper) with "
                "a fallback to on-demand.",
                spot["resources"],
                spot["monthly_saving"],
                spot["count"],
            )
        )
    com = committed["commitment"]
    if com["count"]:
        share = committed["on_demand_share"]
        out.append(
            _entry(
                "commitment",
                "Commit to the steady compute",
                f"Production instances running all day, every day, on demand: {com['count']} "
                f"({'-' if share is None else f'{share:.0%}'} of steady compute is on demand).",
                "Steady on-demand usage pays list price for capacity that is always there.",
                f"Buy a 1-year commitment (Savings Plan, reservation, committed use) for "
                f"{com['eligible_monthly']:,.2f} a month of it; a 3-year one would save "
                f"{com['three_year_saving']:,.2f} instead.",
                com["resources"],
                com["one_year_saving"],
                com["count"],
            )
        )
    out.sort(key=lambda o: -o["monthly_saving"])
    for i, o in enumerate(out, start=1):
        o["id"] = i
    return out


def _entry(
    kind: str,
    title: str,
    state: str,
    problem: str,
    solution: str,
    rows: list[dict[str, Any]],
    saving: float | None = None,
    count: int | None = None,
) -> dict[str, Any]:
    total = sum(r["saving"] for r in rows) if saving is None else saving
    return {
        "id": 0,
        "kind": kind,
        "title": title,
        "current_state": state,
        "problem": problem,
        "solution": solution,
        "monthly_saving": round(total or 0.0, 2),
        "count": len(rows) if count is None else count,
        "resources": rows[:20],
    }
