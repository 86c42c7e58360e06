"""``warden diagnose MONITOR [--since 6h]``: why a monitor got slow or started failing."""

from __future__ import annotations

import sys
import time
from typing import Annotated

import typer

from warden.cli._common import (
    EXIT_INPUT,
    ConfigOption,
    JsonOption,
    fail,
    handle_errors,
    load,
    stdout,
    write_json,
)


@handle_errors
def diagnose(
    monitor: Annotated[str, typer.Argument(help="The monitor whose latency or errors rose.")],
    since: Annotated[str, typer.Option(help="From this long ago (or an ISO time).")] = "6h",
    until: Annotated[str | None, typer.Option(help="Until (default: now).")] = None,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print Markdown.")] = False,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Explain a latency rise or an error spike from stored data: ranked causes, evidence,
    next actions."""
    from warden.alerting.period import parse_period
    from warden.diagnose.render import markdown as to_markdown
    from warden.diagnose.render import print_text
    from warden.diagnose.service import diagnose as explain
    from warden.managed.service import with_managed
    from warden.tables import open_store

    if markdown and json_out:
        fail("give --json or --markdown, not both", EXIT_INPUT)
    now = time.time()
    try:
        lo, hi = parse_period(since, until, now)
    except ValueError as exc:
        fail(f"--{exc}", EXIT_INPUT)
    if until is None:
        hi = now + 1
    cfg = load(config)
    store = open_store(cfg.store.url.get_secret_value())
    try:
        cfg = with_managed(cfg, store)
        try:
            data = explain(cfg, store, monitor, since=lo, until=hi)
        except ValueError as exc:
            fail(str(exc), EXIT_INPUT)
    finally:
        store.close()
    if json_out:
        write_json("diagnose", data)
    elif markdown:
        sys.stdout.write(to_markdown(data))
    else:
        print_text(data, stdout())
