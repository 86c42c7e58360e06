"""``warden validate`` and ``warden schema``: check config files; export the JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from warden.cli._common import EXIT_INPUT, ConfigOption, JsonOption, find_config, stdout, write_json

# (key in the JSON counts, attribute of the config, word for one, word for several)
SECTIONS = (
    ("monitors", "monitors", "monitor", "monitors"),
    ("collectors", "collectors", "collector", "collectors"),
    ("alert_rules", "alerts", "alert rule", "alert rules"),
    ("receivers", "receivers", "receiver", "receivers"),
    ("routes", "routes", "route", "routes"),
    ("slos", "slos", "SLO", "SLOs"),
    ("maintenance", "maintenance", "maintenance window", "maintenance windows"),
    ("status_pages", "status_pages", "status page", "status pages"),
    ("backups", "backups", "backup", "backups"),
    ("audits", "audits", "audit", "audits"),
)


def section_counts(cfg: Any) -> dict[str, int]:
    """How many entries each list section of a validated config holds."""
    return {key: len(getattr(cfg, attr)) for key, attr, _, _ in SECTIONS}


def describe_counts(counts: dict[str, int]) -> str:
    """``"3 monitors, 1 collector, 2 SLOs"``: the sections that hold something."""
    words = {key: (one, many) for key, _, one, many in SECTIONS}
    parts = [f"{n} {words[k][0] if n == 1 else words[k][1]}" for k, n in counts.items() if n]
    return ", ".join(parts) or "nothing configured (0 monitors)"


def _check_file(path: Path) -> dict[str, Any]:
    from warden.config import load_config
    from warden.errors import ConfigError

    try:
        cfg = load_config(path)
    except ConfigError as exc:
        issues = [
            {"file": i.file, "line": i.line, "path": i.path, "message": i.message}
            for i in exc.issues
        ]
        return {"file": str(path), "valid": False, "issues": issues, "counts": None}
    return {"file": str(path), "valid": True, "issues": [], "counts": section_counts(cfg)}


def validate_payload(paths: list[Path]) -> dict[str, Any]:
    """The JSON of ``warden validate``: one entry per file, plus totals over all of them."""
    files = [_check_file(p) for p in paths]
    totals = {key: 0 for key, *_ in SECTIONS}
    for f in files:
        for key, n in (f["counts"] or {}).items():
            totals[key] += n
    return {
        "file": files[0]["file"],
        "valid": all(f["valid"] for f in files),
        "issues": [i for f in files for i in f["issues"]],
        "monitors": totals["monitors"],
        "collectors": totals["collectors"],
        "counts": totals,
        "files": files,
    }


def validate(
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Config files to check (default: the one --config finds).", show_default=False
        ),
    ] = None,
    config: ConfigOption = None,
    json_out: JsonOption = False,
) -> None:
    """Check config files and report every error of each, with its file, line and key."""
    from warden.errors import ConfigError, ConfigIssue

    if files:
        paths = list(files)
    else:
        try:
            paths = [find_config(config)]
        except ConfigError as exc:
            for issue in exc.issues:
                typer.echo(f"error: {issue}", err=True)
            raise typer.Exit(EXIT_INPUT) from None
    payload = validate_payload(paths)
    if json_out:
        write_json("validate", payload)
    else:
        err = typer.get_text_stream("stderr")
        for f in payload["files"]:
            if f["valid"]:
                stdout().print(
                    f"[green]ok[/]: {f['file']}: {describe_counts(f['counts'])}", soft_wrap=True
                )
                continue
            for i in f["issues"]:
                err.write(f"{ConfigIssue(**i)}\n")
            err.write(f"{len(f['issues'])} error(s) in {f['file']}\n")
    if not payload["valid"]:
        raise typer.Exit(EXIT_INPUT)


def schema(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Print the JSON Schema of warden.yaml (for editor completion and checking)."""
    from warden.config import json_schema

    text = json.dumps(json_schema(), indent=2) + "\n"
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        typer.echo(text, nl=False)
