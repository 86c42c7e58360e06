"""``warden validate`` and ``warden schema``: check a config file; export its JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from warden.cli._common import EXIT_INPUT, ConfigOption, JsonOption, config_path, stdout, write_json


def validate(
    file: Annotated[
        Path | None, typer.Argument(help="Config file to check.", show_default=False)
    ] = None,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Check a config file and report every error with its file, line and key."""
    from warden.config import load_config
    from warden.errors import ConfigError

    path = file or config_path(config)
    try:
        cfg = load_config(path)
    except ConfigError as exc:
        if json_out:
            issues = [
                {"file": i.file, "line": i.line, "path": i.path, "message": i.message}
                for i in exc.issues
            ]
            write_json("validate", {"file": str(path), "valid": False, "issues": issues})
        else:
            err = typer.get_text_stream("stderr")
            for issue in exc.issues:
                err.write(f"{issue}\n")
            err.write(f"{len(exc.issues)} error(s) in {path}\n")
        raise typer.Exit(EXIT_INPUT) from None
    summary = {
        "file": str(path),
        "valid": True,
        "issues": [],
        "monitors": len(cfg.monitors),
        "collectors": len(cfg.collectors),
    }
    if json_out:
        write_json("validate", summary)
    else:
        stdout().print(
            f"[green]ok[/]: {path}: {len(cfg.monitors)} monitors, {len(cfg.collectors)} collectors"
        )


def schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Print the JSON Schema of warden.yaml (for editor completion and checking)."""
    from warden.config import build_model

    doc = build_model().model_json_schema(mode="validation")
    doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    doc["title"] = "warden.yaml"
    text = json.dumps(doc, indent=2) + "\n"
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        typer.echo(text, nl=False)
