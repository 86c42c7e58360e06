"""``warden doc``: the infrastructure overview from the config and stored data."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

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


@handle_errors
def doc(
    fmt: Annotated[str, typer.Option("--format", help="markdown or html.")] = "markdown",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write here.")] = None,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """The infrastructure overview: diagram, services, DR (measured RPO/RTO), on-call, runbooks.

    The architecture diagram is Mermaid text, drawn as SVG in the HTML page and the
    dashboard's Docs page.
    """
    from warden.reports.document import html, infrastructure_document, markdown
    from warden.tables import open_store

    if fmt not in ("markdown", "html"):
        fail(f"--format {fmt!r}: markdown or html")
    cfg = load(config)
    store = open_store(cfg.store.url.get_secret_value())
    try:
        data = infrastructure_document(store, cfg, time.time())
    finally:
        store.close()
    if json_out:
        write_json("doc", data)
        return
    if fmt == "html":
        from warden.report.html import VENDOR_DIR

        try:
            js = (VENDOR_DIR / "mermaid.min.js").read_text(encoding="utf-8")
        except OSError as exc:
            fail(f"mermaid.js is missing from {VENDOR_DIR} (run `make assets`): {exc.strerror}")
        text = html(data, js)
    else:
        text = markdown(data)
    if output is not None:
        output.write_text(text, encoding="utf-8")
        stdout().print(f"written to {output}")
    else:
        typer.echo(text, nl=False)
