"""Waste in the bill, each finding with its monthly cost (the saving of removing it):

- near-zero usage: resources whose usage lines (GB, requests, ...) add up to about nothing
  over the window, and instances whose host's P99.5 CPU is under 5 % (Warden's samples);
- idle load balancers: billed by the hour with no capacity units or traffic;
- stopped instances' storage: volumes of an instance with no hours for ``stopped_days``;
- unattached volumes: volumes whose instance is no longer in the bill;
- old snapshots: first billed more than ``snapshot_days`` ago;
- lifecycle candidates: buckets in the standard (hot) class whose data is older than
  ``lifecycle_days``; the saving is the share of data that old times ``lifecycle_saving``;
- non-production at night: instances tagged non-production that run more than ``day_hours``
  a day; the saving is what running ``scheduled_hours_per_week`` would cut.

A bill does not say which volume is attached to which instance: a volume or snapshot names
its instance by one of ``attachment_tags`` or by a name that starts with the instance's
name and a dash; one that names nothing is left out (and counted).
"""

# ruff: noqa: S608 - DuckDB SQL over Warden's own Parquet files; its literals are dates
# and config strings escaped where they are built

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from warden.cost.config import CostConfig
from warden.cost.focus import STORED_UNIT
from warden.cost.lake import Lines
from warden.cost.resources import History, Resource, Window, brief, lowered

_STANDARD = re.compile(r"\b(standard|hot)\b", re.I)
_COLD = re.compile(
    r"infrequent|standard[-_ ]ia|onezone|glacier|archive|\bcool|cold|nearline|"
    r"intelligent",
    re.I,
)

Finding = tuple[Resource, float, str]


def _kind(r: Resource) -> str:
    text = f"{r.rtype} {r.service}".lower()
    if "snapshot" in text or "snapshot" in r.text.lower():
        return "snapshot"
    if "load balanc" in text:
        return "load_balancer"
    if "volume" in text or "disk" in text:
        return "volume"
    if "bucket" in text or "container" in text:
        return "bucket"
    return "other"


def _owner(r: Resource, config: CostConfig, known: dict[str, dt.date]) -> str | None:
    for key in config.waste.attachment_tags:
        if r.tag(key):
            return r.tag(key)
    parts = (r.name or "").lower().split("-")
    for end in range(len(parts) - 1, 0, -1):  # the longest "<instance name>-" prefix
        if (prefix := "-".join(parts[:end])) in known:
            return prefix
    return None


def _stored_gb(lines: Lines, ids: list[str], day: dt.date) -> dict[str, float]:
    if not ids:
        return {}
    listed = ", ".join("'" + i.replace("'", "''") + "'" for i in ids)
    rows = lines.rows(
        f"SELECT resource_id, sum(consumed_quantity) FROM bill WHERE {STORED_UNIT} AND "
        f"resource_id IN ({listed}) AND period_start::DATE = DATE '{day}' GROUP BY 1"
    )
    return {rid: float(q or 0.0) for rid, q in rows}


def waste(
    lines: Lines,
    res: list[Resource],
    hist: History,
    win: Window,
    config: CostConfig,
    idle_hosts: list[tuple[Resource, float]],
) -> dict[str, Any]:
    """Every finding by kind (claiming its saving on the resource), and what was left out."""
    w = config.waste
    found: dict[str, list[Finding]] = {
        k: []
        for k in (
            "near_zero_usage",
            "idle_load_balancer",
            "stopped_instance_storage",
            "unattached_volume",
            "old_snapshot",
            "lifecycle",
            "nonprod_schedule",
        )
    }
    known = hist.instances
    stopped_before = win.hi - dt.timedelta(days=w.stopped_days)
    unknown_volumes = 0
    for r, cpu in idle_hosts:
        found["near_zero_usage"].append((r, r.monthly, f"P99.5 CPU {cpu:.1f}% over the lookback"))
    idle_ids = {r.id for r, _ in idle_hosts}
    for r in res:
        if r.monthly < w.min_monthly or r.id in idle_ids:
            continue
        kind = _kind(r)
        if kind == "load_balancer" and (r.usage is None or r.usage <= w.idle_usage):
            found["idle_load_balancer"].append((r, r.monthly, "no capacity units or traffic"))
        elif kind in ("volume", "snapshot") and (owner := _owner(r, config, known)):
            last = known.get(owner.lower())
            if kind == "volume" and last is None:
                found["unattached_volume"].append(
                    (r, r.monthly, f"its instance {owner} is not in the bill")
                )
            elif kind == "volume" and last is not None and last < stopped_before:
                found["stopped_instance_storage"].append(
                    (r, r.monthly, f"instance {owner} stopped since {last}")
                )
            elif kind == "snapshot" and r.first_seen < win.hi - dt.timedelta(days=w.snapshot_days):
                found["old_snapshot"].append((r, r.monthly, f"billed since {r.first_seen}"))
        elif kind == "snapshot" and r.first_seen < win.hi - dt.timedelta(days=w.snapshot_days):
            found["old_snapshot"].append((r, r.monthly, f"billed since {r.first_seen}"))
        elif kind == "volume":
            unknown_volumes += 1
        elif kind == "other" and r.usage is not None and r.usage <= w.idle_usage and r.hours > 0:
            found["near_zero_usage"].append((r, r.monthly, "billed hours, no usage"))
    _lifecycle(lines, res, win, config, found["lifecycle"])
    _schedule(res, config, found["nonprod_schedule"])
    for kind, items in found.items():
        for r, saving, _ in items:
            r.claims[kind] = saving
    return {"found": found, "volumes_without_instance": unknown_volumes}


def _lifecycle(
    lines: Lines, res: list[Resource], win: Window, config: CostConfig, out: list[Finding]
) -> None:
    w = config.waste
    old = win.hi - dt.timedelta(days=w.lifecycle_days + 1)
    buckets = [
        r
        for r in res
        if _kind(r) == "bucket"
        and r.gb_months
        and r.first_seen <= old
        and _STANDARD.search(r.text)
        and not _COLD.search(r.text)
        and not r.claims
    ]
    ids = [r.id for r in buckets]
    now_gb = _stored_gb(lines, ids, win.hi - dt.timedelta(days=1))
    then_gb = _stored_gb(lines, ids, old)
    for r in buckets:
        if not now_gb.get(r.id) or not then_gb.get(r.id):
            continue
        share = min(1.0, then_gb[r.id] / now_gb[r.id])
        saving = r.monthly * share * w.lifecycle_saving
        if saving >= w.min_monthly:
            out.append(
                (
                    r,
                    saving,
                    f"{share:.0%} of its data is older than {w.lifecycle_days} "
                    "days, in the standard class",
                )
            )


def nonprod(r: Resource, config: CostConfig) -> bool:
    env = (r.tag(config.env_tag) or "").lower()
    return env in lowered(tuple(config.nonprod_values))


def _schedule(res: list[Resource], config: CostConfig, out: list[Finding]) -> None:
    w = config.waste
    for r in res:
        if not r.is_instance or r.claims or not nonprod(r, config) or not r.days:
            continue
        per_day = r.hours / r.days
        if per_day <= w.day_hours:
            continue
        cut = max(0.0, 1 - w.scheduled_hours_per_week / (per_day * 7))
        out.append(
            (
                r,
                r.left * cut,
                f"runs {per_day:.0f} h a day; scheduled: {w.scheduled_hours_per_week:g} h a week",
            )
        )


def waste_json(result: dict[str, Any], top: int = 20) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind, items in result["found"].items():
        ranked = sorted(items, key=lambda f: -f[1])
        out[kind] = {
            "count": len(ranked),
            "monthly_saving": round(sum(f[1] for f in ranked), 2),
            "resources": [brief(r, s, d) for r, s, d in ranked[:top]],
        }
    out["volumes_without_instance"] = result["volumes_without_instance"]
    return out
