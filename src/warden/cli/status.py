"""``warden status``: every monitor's current state from the store, stale ones marked stale.

The store keeps the last state even when nothing runs the checks any more (``warden up``
stopped). A state is stale when its last check is older than ``stale_after(monitor)``:
``max(3 * interval, interval + timeout + 60 s)``; checks are taken as running while the
newest stored result is younger than the shortest such window of the enabled monitors.
``status_payload`` builds the JSON (``--json``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import typer

from warden.cli._common import EXIT_PROBLEM, ConfigOption, JsonOption, handle_errors, load, stdout

STALE_SLACK = 60.0


def stale_after(interval: float, timeout: float) -> float:
    """Seconds after its last check at which a monitor's state no longer counts as current."""
    return max(3 * interval, interval + timeout + STALE_SLACK)


def status_payload(
    monitors: Sequence[Any], states: Mapping[str, Any], now: float
) -> dict[str, Any]:
    """The ``warden.status/v1`` document: one row per monitor, with ``stale`` marks."""
    rows = []
    for m in monitors:
        st = states.get(m.name)
        stale = bool(
            st is not None and m.enabled and now - st.last_ts > stale_after(m.interval, m.timeout)
        )
        rows.append(
            {
                "monitor": m.name,
                "type": m.probe_type(),
                "group": m.group,
                "source": m.source,
                "status": st.status.label if st else "unknown",
                "since": st.since if st else None,
                "last_check": st.last_ts if st else None,
                "latency": st.latency if st else None,
                "error": (str(st.error) or None) if st else None,
                "message": st.message if st else "",
                "stale": stale,
            }
        )
    enabled = [m for m in monitors if m.enabled]
    newest = max((states[m.name].last_ts for m in enabled if m.name in states), default=None)
    # running checks would have refreshed the monitor with the shortest window by now
    window = min((stale_after(m.interval, m.timeout) for m in enabled), default=None)
    running = newest is not None and window is not None and now - newest <= window
    return {
        "monitors": rows,
        "down": any(r["status"] == "down" and not r["stale"] for r in rows),
        "checks_running": running,
        "last_check": newest,
    }


@handle_errors
def status(config: ConfigOption = None, json_out: JsonOption = False) -> None:
    """Show every monitor's current state from the store; exits 1 if any is down."""
    from warden.managed.service import with_managed
    from warden.tables import open_store

    cfg = load(config)
    store = open_store(cfg.store.url.get_secret_value())
    try:
        states = {s.monitor: s for s in store.states()}
        cfg = with_managed(cfg, store)
    finally:
        store.close()
    now = time.time()
    payload = status_payload(cfg.monitors, states, now)
    if json_out:
        from warden.cli._common import write_json

        write_json("status", payload)
    else:
        _print(payload, states, now)
    if payload["down"]:
        raise typer.Exit(EXIT_PROBLEM)


def _print(payload: dict[str, Any], states: Mapping[str, Any], now: float) -> None:
    from warden.cli._table import Col, table
    from warden.report.text import ago, ms, status_markup

    rows = []
    for r in payload["monitors"]:
        st = states.get(r["monitor"])
        if st is None:
            state = "[dim]unknown[/]"
        elif r["stale"]:
            state = f"[yellow]stale[/] [dim]({st.status.label})[/]"
        else:
            state = status_markup(st.status)
        rows.append(
            [
                r["monitor"],
                r["type"],
                r["group"],
                state,
                ago(st.since, now) if st else "-",
                ago(st.last_ts, now) if st else "-",
                ms(st.latency) if st and not r["stale"] else "-",
                r["message"],
            ]
        )
    cols = [
        Col("monitor"),
        Col("type"),
        Col("group"),
        Col("state", keep=True, whole=True),
        Col("since"),
        Col("last check", keep=True),
        Col("latency", right=True),
        Col("message", wrap=True),
    ]
    caption = None
    if not payload["checks_running"]:
        last = payload["last_check"]
        when = f"the newest result is {ago(last, now)}" if last else "no result is stored"
        caption = (
            f"[yellow]checks are not running[/]: {when}; states shown as stale are not current "
            "(start `warden up`)"
        )
    stdout().print(table(cols, rows, caption=caption))
