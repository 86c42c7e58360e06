"""The runbooks Warden ships, as Markdown files beside this module, linked from the built-in
rules' ``runbook`` (``/runbooks/<name>`` of the web app)."""

from __future__ import annotations

import re
from importlib import resources

_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


def names() -> list[str]:
    files = resources.files(__name__).iterdir()
    return sorted(f.name[:-3] for f in files if f.name.endswith(".md"))


def runbook(name: str) -> str | None:
    """The Markdown of runbook ``name`` (``disk-full``), or None when there is none."""
    if not _NAME.fullmatch(name):
        return None
    path = resources.files(__name__).joinpath(f"{name}.md")
    return path.read_text(encoding="utf-8") if path.is_file() else None
