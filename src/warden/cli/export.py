"""``warden export``: what the API manages, as YAML to paste into warden.yaml.

Secrets given as ``${ENV}`` references stay references. Secrets given literally become
references ``${WARDEN_<NAME>_<KEY>}`` (the variables to set are listed in a comment, on
stderr and in ``--json``) unless ``--with-secrets`` writes them as they were given.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from warden.cli._common import ConfigOption, JsonOption, handle_errors, load, stderr

app = typer.Typer(
    help="Write API-managed monitors, maintenance windows or status pages as YAML.",
    no_args_is_help=True,
)

OutOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
]
SecretsOption = Annotated[
    bool,
    typer.Option("--with-secrets", help="Write secrets given literally in clear (default: refs)."),
]


def _export(kind: str, config: Any, output: Path | None, secrets: bool, json_out: bool) -> None:
    from warden.cli._common import write_json
    from warden.managed.export import export
    from warden.managed.storage import ManagedRepository
    from warden.tables import open_store

    cfg = load(config)
    store = open_store(cfg.store.url.get_secret_value())
    try:
        snapshot = ManagedRepository(store.engine).snapshot()
    finally:
        store.close()
    got = export(kind, snapshot, cfg, with_secrets=secrets)
    text = got.yaml()
    if output is not None:
        output.write_text(text, encoding="utf-8")
    if json_out:
        write_json(
            "export",
            {
                "section": got.section,
                "count": len(got.items),
                "items": got.items,
                "secrets": got.secrets,
                "skipped": got.skipped,
                "output": str(output) if output else None,
                "yaml": text,
            },
        )
    elif output is None:
        sys.stdout.write(text)
    else:
        stderr().print(f"wrote {len(got.items)} {got.section} to {output}")
    for line in got.skipped:
        stderr().print(f"[yellow]skipped[/] {line}")
    if got.secrets and not json_out:
        stderr().print("set these environment variables: " + ", ".join(got.secrets))


@app.command()
@handle_errors
def monitors(
    output: OutOption = None,
    with_secrets: SecretsOption = False,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """API-managed monitors as a ``monitors:`` section (paused ones with enabled: false)."""
    _export("monitors", config, output, with_secrets, json_out)


@app.command()
@handle_errors
def maintenance(
    output: OutOption = None,
    with_secrets: SecretsOption = False,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """API-managed maintenance windows as a ``maintenance:`` section."""
    _export("maintenance", config, output, with_secrets, json_out)


@app.command("status-pages")
@handle_errors
def status_pages(
    output: OutOption = None,
    with_secrets: SecretsOption = False,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """API-managed status pages as a ``status_pages:`` section."""
    _export("status-pages", config, output, with_secrets, json_out)
