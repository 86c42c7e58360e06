"""``warden ladder``: the reliability level 0-4, its evidence and the next step; DR tiers."""

from __future__ import annotations

import time
from typing import Any

from warden.cli._common import ConfigOption, JsonOption, handle_errors, load, stdout, write_json


@handle_errors
def ladder(config: ConfigOption = None, json_out: JsonOption = False) -> None:
    """The reliability level 0-4 with its evidence, the next step and each database's DR tier.

    Read from the config and stored data; what Warden cannot see counts only when declared
    under `ladder: claims:`.
    """
    from warden.reports.ladder import ladder as build
    from warden.tables import open_store

    cfg = load(config)
    store = open_store(cfg.store.url.get_secret_value())
    try:
        data = build(store, cfg, time.time())
    finally:
        store.close()
    if json_out:
        write_json("ladder", data)
        return
    _print(data)


def _print(data: dict[str, Any]) -> None:
    out = stdout()
    out.print(f"[bold]Reliability level {data['level']}[/] of 4")
    for level in data["levels"]:
        mark = "[green]✓[/]" if level["reached"] else " "
        out.print(f" {mark} level {level['level']}")
        for r in level["requirements"]:
            tick = "[green]✓[/]" if r["met"] else "[red]✗[/]"
            said = r["evidence"] if r["met"] else r["next"]
            note = " (declared)" if r["declared"] else ""
            out.print(f"     {tick} {r['requirement']}{note}: [dim]{said}[/]")
    if data["advice"]:
        out.print(f"Next: {data['advice']}")
    for db in data["databases"]:
        out.print(f"DR tier of {db['backup']} ({db['engine']}): {db['tier']}"
                  + (f"; next {db['next']}" if db["next"] else ""))  # fmt: skip
