"""``warden rum report``: real users' Core Web Vitals (p75 per page and device) from the store.

The same ``warden.rum/v1`` report as ``GET /api/v1/rum``, the ``/rum`` page and the MCP
``rum_report`` tool; it reads what ``warden up`` stored from the beacons of ``/rum.js``.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer

from warden.cli._common import (
    ConfigOption,
    JsonOption,
    fail,
    handle_errors,
    load,
    stdout,
    write_json,
)
from warden.cli._table import Col, table

app = typer.Typer(help="Real users' Core Web Vitals (RUM).", no_args_is_help=True)

RATING = {"good": "green", "needs-improvement": "yellow", "poor": "red"}
MAX_WINDOW = 90 * 86400.0


def _cell(stats: dict[str, Any] | None, unit: str) -> str:
    if stats is None:
        return "-"
    p75 = stats["p75"]
    text = f"{p75 * 1000:,.0f} ms" if unit == "s" else f"{p75:.3f}"
    return f"[{RATING[stats['rating']]}]{text}[/]"


@app.command("report")
@handle_errors
def report(
    site: Annotated[str | None, typer.Option(help="The site (default: the first).")] = None,
    since: Annotated[str, typer.Option(help="Start: a duration back (24h) or a time.")] = "24h",
    until: Annotated[str | None, typer.Option(help="End of the window (default: now).")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Pages to show (text output).")] = 20,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """p75 of LCP, INP, CLS and TTFB per page and device class, rated by Google's thresholds.

    Exit 0; 2 for an unknown site or a bad window.
    """
    from warden.config._types import parse_moment
    from warden.rum.report import rum_report
    from warden.tables import open_store

    now = time.time()
    try:
        start = parse_moment(since, now)
        end = parse_moment(until, now) if until else now
    except ValueError as exc:
        fail(f"--since/--until: {exc}")
    if not 0 < end - start <= MAX_WINDOW:
        fail("--since/--until: the window must be positive and at most 90 days")
    cfg = load(config)
    if not cfg.rum.sites:
        fail("no RUM site is configured: add `rum: sites:` to the config (docs/rum.md)")
    store = open_store(cfg.store.url.get_secret_value())
    try:
        data = rum_report(store.engine, cfg.rum, site, start, end)
    except KeyError:
        names = ", ".join(s.name for s in cfg.rum.sites)
        fail(f"--site {site!r}: no such RUM site (configured: {names})")
    finally:
        store.close()
    if json_out:
        write_json("rum", data)
        return
    _print(data, limit)


def _print(data: dict[str, Any], limit: int) -> None:
    out = stdout()
    vitals = data["vitals"]
    if not data["pages"]:
        out.print(
            f"No beacons from site {data['site']!r} in this window. Add the `<script>` line "
            "shown on the /rum page to the site's pages (docs/rum.md)."
        )
        return
    head: list[Col | str] = [Col("Page"), Col("Device"), Col("Views", right=True)]
    head += [Col(f"{v['name']} p75", right=True) for v in vitals]
    rows = [
        [page or r["page"], r["device"], f"{r['views']:,}"]
        + [_cell(r[v["key"]], v["unit"]) for v in vitals]
        for page, group in (("(all pages)", data["overall"]), ("", data["pages"][:limit]))
        for r in group
    ]
    out.print(table(head, rows))
    hidden = len(data["pages"]) - limit + data["more_pages"]
    if hidden > 0:
        out.print(f"{hidden} more page rows: --limit, or --json for all of them.")
