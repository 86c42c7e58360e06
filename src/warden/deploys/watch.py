"""The post-deploy watch: after a service's latest deploy marker, watch its failing share of
requests and checks (and named alert rules) and, on a breach, run the rollback command.

``watch_deploy`` polls every ``poll`` seconds (5 s: a breach is acted on well within a minute
of the data showing it, the collectors' interval permitting), so the rollback runs within 60 s
of the breach. A rollback is recorded as a ``rollback`` marker, noted in the timeline of the
open incidents of the service's monitors, and sent to ``deploys.receiver``.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Callable, Sequence
from typing import Any

from warden.alerting.model import AlertState
from warden.alerting.storage import AlertRepository
from warden.deploys import markers, signals
from warden.incidents.model import OPEN_STATUSES
from warden.incidents.storage import IncidentRepository
from warden.store.sql import SqlStore

ROLLBACK_TIMEOUT = 300.0


def _breach(store: SqlStore, config: Any, service: str, since: float, now: float,
            rules: Sequence[str], limit: float) -> dict[str, Any] | None:  # fmt: skip
    share = signals.failing_share(store, config, service, since, now + 1)
    if share["rate"] is not None and share["rate"] > limit:
        return {"at": now, "reason": f"{share['rate']:.2%} of {share['basis']} failing "
                f"(limit {limit:.0%})", **share}  # fmt: skip
    if rules:
        monitors = set(signals.service_monitors(config, service))
        for a in AlertRepository(store.engine).alerts([AlertState.FIRING]):
            mine = a.labels.get("service") == service or a.labels.get("monitor") in monitors
            if a.name in rules and mine and (a.starts_at or 0) >= since:
                return {"at": now, "reason": f"rule {a.name} is firing", **share}
    return None


def run_rollback(argv: Sequence[str], timeout: float = ROLLBACK_TIMEOUT) -> dict[str, Any]:
    started = time.monotonic()
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout,
                              check=False)  # fmt: skip
        code, output = done.returncode, (done.stdout + done.stderr)[-2000:]
    except FileNotFoundError:
        code, output = 127, f"{argv[0]}: not found"
    except subprocess.TimeoutExpired:
        code, output = -1, f"timed out after {timeout:g} s"
    return {"ran": True, "argv": list(argv), "exit_code": code, "ok": code == 0,
            "seconds": time.monotonic() - started, "output": output}  # fmt: skip


def _record(store: SqlStore, config: Any, service: str, deployed: markers.Marker,
            breach: dict[str, Any], rollback: dict[str, Any], now: float) -> list[str]:  # fmt: skip
    """The rollback marker, incident notes and the notification; errors of the latter."""
    text = f"{service} {deployed.version or ''} rolled back: {breach['reason']}; rollback " + (
        "succeeded" if rollback["ok"] else f"FAILED (exit {rollback['exit_code']})"
    )
    markers.mark(store.engine, service, deployed.version, now, author="warden deploy watch",
                 message=text, kind="rollback")  # fmt: skip
    monitors = set(signals.service_monitors(config, service))
    repo = IncidentRepository(store.engine)
    for incident in repo.list_incidents(list(OPEN_STATUSES), 50):
        if any(a.labels.get("monitor") in monitors for a in repo.alerts(incident.id)):
            repo.add_event(incident.id, now, "note", text, "warden deploy watch")
    name = config.deploys.receiver
    receiver = next((r for r in config.receivers if r.name == name), None)
    if receiver is None:
        return [] if name is None else [f"deploys.receiver {name!r} is not a receiver"]
    from warden.reports.delivery import send

    data = {"kind": "deploy.rollback", "service": service, "text": text, "breach": breach,
            "rollback": rollback}  # fmt: skip
    title = f"Warden: {service} rolled back"
    return asyncio.run(send(receiver, title, chat=text, email=text, body=data, line=data))


def watch_deploy(
    store: SqlStore,
    config: Any,
    service: str,
    *,
    rollback: Sequence[str] | None,
    duration: float | None = None,
    rules: Sequence[str] = (),
    now: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    poll: float = 5.0,
    progress: Callable[[float, dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Watch ``service`` from its latest marker for ``duration`` (``deploys.watch``)."""
    deployed = markers.latest(store.engine, service)
    if deployed is None:
        raise ValueError(f"no deploy marker for {service!r}: run `warden deploy mark "
                         f"{service} --version V` when it goes out")  # fmt: skip
    limit = config.deploys.error_rate
    end = deployed.at + (duration if duration is not None else config.deploys.watch)
    breach = None
    while True:
        t = now()
        breach = _breach(store, config, service, deployed.at, t, rules, limit)
        if progress is not None:
            progress(t, signals.failing_share(store, config, service, deployed.at, t + 1))
        if breach is not None or t >= end:
            break
        sleep(min(poll, max(0.0, end - t)))
    out: dict[str, Any] = {"service": service, "marker": deployed.json(), "until": end,
                           "breached": breach is not None, "breach": breach,
                           "rollback": {"ran": False}, "errors": []}  # fmt: skip
    if breach is not None and rollback:
        out["rollback"] = run_rollback(rollback)
        out["errors"] = _record(store, config, service, deployed, breach, out["rollback"], now())
    elif breach is None:
        out["final"] = signals.failing_share(store, config, service, deployed.at, end)
    return out
