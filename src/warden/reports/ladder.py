"""``warden ladder``: the reliability level 0-4 from config and stored data, the evidence for
each step and the next one to take, and the DR tier (1-4) of each database.

Levels (each needs the ones below): 0 manual and unmonitored; 1 automated deploys and health
checks; 2 several instances behind a load balancer, database backups, uptime and error-rate
monitoring; 3 multi-region, automated failover, point-in-time recovery, comprehensive
monitoring; 4 regular failure drills, self-healing, automated incident response. Most teams
need level 2: the advice is never to skip a level.

What Warden can see counts as measured evidence (monitors, collectors, backups that
succeeded, drills that passed, scaling policies that act). What it cannot see from here (a
deploy pipeline, regions, failover, PITR, incident automation) counts only when declared under
``ladder: {claims: [...]}``, and is shown as declared, never as measured.
"""

from __future__ import annotations

from typing import Any

from warden.store import SqlStore

SCHEMA = "warden.ladder/v1"
DAY = 86400.0


def _req(name: str, met: bool, evidence: str, how: str, declared: bool = False) -> dict[str, Any]:
    return {"requirement": name, "met": met, "declared": declared,
            "evidence": evidence if met else None, "next": None if met else how}  # fmt: skip


def _claimed(config: Any, claim: str, name: str, how: str) -> dict[str, Any]:
    if claim in config.ladder.claims:
        return _req(name, True, "declared under ladder.claims", how, declared=True)
    return _req(name, False, "", how)


def _successful_backups(store: SqlStore, config: Any, now: float, kinds: set[str]) -> list[str]:
    from warden.backup import storage

    out = []
    for b in config.backups:
        if not b.enabled or b.source.type not in kinds:
            continue
        runs = storage.recent_runs(store.engine, b.name, 50)
        if any(r["status"] == "complete" and r["finished"] >= now - 7 * DAY for r in runs):
            out.append(b.name)
    return out


def requirements(store: SqlStore, config: Any, now: float) -> dict[int, list[dict[str, Any]]]:
    from warden.alerting.builtin import effective_rules
    from warden.backup import storage
    from warden.deploys.markers import markers as deploy_markers
    from warden.gameday.storage import runs as gameday_runs

    monitors = [m for m in config.monitors if m.enabled]
    health = [m.name for m in monitors if m.probe_type() in ("http", "tcp")]
    rules = {r.name for r in effective_rules(config.alerts, config.alerting.builtin_rules)
             if r.enabled}  # fmt: skip
    error_rules = sorted(rules & {"HighErrorRate", "TrafficErrorRateHigh"})
    db_backups = _successful_backups(store, config, now, {"postgres", "mysql", "pgbackrest"})
    collectors = {c.collector_type() for c in config.collectors if c.enabled}
    scaled = [p.name for p in config.scaling if not p.dry_run]
    several = [p.name for p in config.scaling if p.min >= 2]
    drilled = []
    for b in config.backups:
        if b.enabled and b.drill is not None and b.drill.schedule:
            passed = [d for d in storage.recent_drills(store.engine, b.name, 20)
                      if d["status"] == "passed" and d["finished"] >= now - 30 * DAY]  # fmt: skip
            if passed:
                drilled.append(b.name)
    deployed = sorted({m.service for m in deploy_markers(store.engine, now - 30 * DAY, now + 1)
                       if m.kind == "deploy"})[:10]  # fmt: skip
    pitr = _successful_backups(store, config, now, {"pgbackrest"})
    gamedays = sorted({r["plan"] for r in gameday_runs(store.engine, 50, now - 90 * DAY)
                       if r["passed"]})  # fmt: skip
    return {
        1: [
            _req("automated deploys", True,
                 f"deploy markers in the last 30 days: {', '.join(deployed)}", "")
            if deployed and "automated_deploys" not in config.ladder.claims else
            _claimed(config, "automated_deploys", "automated deploys",
                     "deploy from CI and record each deploy (`POST /api/v1/deploys` or "
                     "`warden deploy mark`, docs/deploys.md)"),
            _req("health checks", bool(health), f"{len(health)} HTTP/TCP monitors",
                 "add HTTP or TCP monitors (`warden init` suggests them)"),
        ],
        2: [
            _req("several instances behind a load balancer", bool(several),
                 f"scaling policies with min >= 2: {', '.join(several)}",
                 "run two or more instances (a `scaling:` policy with min 2, or declare "
                 "`load_balancer`)")
            if "load_balancer" not in config.ladder.claims
            else _req("several instances behind a load balancer", True,
                      "declared under ladder.claims", "", declared=True),
            _req("database backups", bool(db_backups),
                 f"succeeded in the last 7 days: {', '.join(db_backups)}",
                 "back up each database (`backups:` with a postgres or mysql source) and let "
                 "it run"),
            _req("uptime and error-rate monitoring", bool(monitors) and bool(error_rules),
                 f"{len(monitors)} monitors; rules {', '.join(error_rules)}",
                 "add monitors and keep the HighErrorRate / TrafficErrorRateHigh rules on"),
        ],
        3: [
            _claimed(config, "multi_region", "multi-region", "run in a second region"),
            _claimed(config, "automated_failover", "automated failover",
                     "set up failover of the database and the entry point"),
            _req("point-in-time recovery", True,
                 f"pgBackRest backups succeeded in the last 7 days: {', '.join(pitr)}", "")
            if pitr and "point_in_time_recovery" not in config.ladder.claims else
            _claimed(config, "point_in_time_recovery", "point-in-time recovery",
                     "archive WAL for PITR (a `pgbackrest` backup source, docs/backup.md)"),
            _req("comprehensive monitoring",
                 "host" in collectors and bool(collectors & {"postgres", "mysql", "redis"})
                 and bool(config.slos),
                 f"collectors {', '.join(sorted(collectors))}; {len(config.slos)} SLOs",
                 "add the host and database collectors and SLOs"),
        ],
        4: [
            _req("regular failure drills", bool(drilled) or bool(gamedays),
                 "; ".join(filter(None, [
                     f"restore drills passed in the last 30 days: {', '.join(drilled)}"
                     if drilled else "",
                     f"game days passed in the last 90 days: {', '.join(gamedays)}"
                     if gamedays else ""])),
                 "schedule restore drills (`drill: {schedule: ...}`) and run game days "
                 "(`warden gameday run PLAN.yaml`)"),
            _req("self-healing", bool(scaled), f"scaling policies acting: {', '.join(scaled)}",
                 "let a scaling policy act (not dry_run)"),
            _claimed(config, "automated_incident_response", "automated incident response",
                     "automate the first response to the common incidents"),
        ],
    }  # fmt: skip


def dr_tiers(store: SqlStore, config: Any, now: float) -> list[dict[str, Any]]:
    """Per database backup: tier 1 daily backups kept 7 days, 2 PITR over 35 days, 3 multi-AZ,
    4 multi-region (each needs the one below)."""
    from warden.backup import storage

    out = []
    for b in config.backups:
        if not b.enabled or b.source.type not in ("postgres", "mysql", "pgbackrest"):
            continue
        runs = [r for r in storage.recent_runs(store.engine, b.name, 50)
                if r["status"] == "complete"]  # fmt: skip
        daily = bool(runs) and runs[0]["finished"] >= now - 1.1 * DAY
        kept = b.retention.daily >= 7 or b.retention.keep_last >= 7 or b.retention.is_empty()
        steps = [
            ("daily backups kept 7 days", daily and kept,
             "a success within a day and retention of 7 daily backups or more"),
            ("PITR over 35 days", "point_in_time_recovery" in config.ladder.claims
             or (b.source.type == "pgbackrest" and daily
                 and (getattr(b.source, "retention_days", None) or 0) >= 35),
             "WAL archiving kept 35 days (a pgbackrest source with retention_days: 35)"),
            ("multi-AZ", "multi_az" in config.ladder.claims, "a standby in another zone"),
            ("multi-region", "multi_region" in config.ladder.claims, "a copy in another region"),
        ]  # fmt: skip
        tier = 0
        for _name, met, _ in steps:
            if not met:
                break
            tier += 1
        nxt = steps[tier] if tier < len(steps) else None
        step = None if nxt is None else f"tier {tier + 1}: {nxt[0]} ({nxt[2]})"
        out.append({"backup": b.name, "engine": b.source.type, "tier": tier, "next": step})
    return out


def ladder(store: SqlStore, config: Any, now: float) -> dict[str, Any]:
    """The level reached (every requirement of it and below met), the steps and the next."""
    reqs = requirements(store, config, now)
    level = 0
    for n in (1, 2, 3, 4):
        if all(r["met"] for r in reqs[n]):
            level = n
        else:
            break
    nxt = level + 1 if level < 4 else None
    advice = None
    if nxt is not None:
        todo = [r["next"] for r in reqs[nxt] if not r["met"]]
        advice = f"to reach level {nxt}: " + "; ".join(todo)
        if nxt > 2:
            advice += " (level 2 is what most teams need: go further only for a reason)"
    return {
        "schema": SCHEMA,
        "level": level,
        "next_level": nxt,
        "advice": advice,
        "levels": [
            {"level": n, "reached": n <= level, "requirements": reqs[n]} for n in (1, 2, 3, 4)
        ],
        "databases": dr_tiers(store, config, now),
    }
