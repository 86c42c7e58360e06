"""The runbooks Warden ships, as Markdown files beside this module, linked from the built-in
rules' ``runbook`` (``/runbooks/<name>`` of the web app); a directory of your own
(``alerting.runbooks_dir``) adds to them and overrides them."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


def names(own: Path | None = None) -> list[str]:
    """Every runbook: the shipped ones and those of ``own`` (a directory of NAME.md)."""
    files = [f.name for f in resources.files(__name__).iterdir()]
    if own is not None and own.is_dir():
        files += [f.name for f in own.iterdir()]
    return sorted({f[:-3] for f in files if f.endswith(".md") and _NAME.fullmatch(f[:-3])})


def runbook(name: str, own: Path | None = None) -> str | None:
    """The Markdown of runbook ``name`` (``disk-full``): from ``own`` first, then the shipped
    ones; None when there is none."""
    if not _NAME.fullmatch(name):
        return None
    if own is not None and (own / f"{name}.md").is_file():
        return (own / f"{name}.md").read_text(encoding="utf-8")
    path = resources.files(__name__).joinpath(f"{name}.md")
    return path.read_text(encoding="utf-8") if path.is_file() else None
