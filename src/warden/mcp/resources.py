"""Resources an agent reads before it acts: the config (secrets redacted), every runbook and
Warden's own documentation, one resource each under ``warden://``."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import MCPServer

from warden.mcp.deps import Deps
from warden.report.jsonout import to_jsonable

_SECRET_KEY = re.compile(r"pass(word)?|secret|token|api_?key|authorization|cookie|private", re.I)


def redacted(value: Any) -> Any:
    """``to_jsonable`` (which redacts secret types) plus any value under a key that names a
    secret (a header ``Authorization``, a ``password`` in a plain mapping)."""
    if isinstance(value, dict):
        return {k: ("***" if _SECRET_KEY.search(str(k)) and isinstance(v, str) and v
                    else redacted(v)) for k, v in value.items()}  # fmt: skip
    if isinstance(value, list):
        return [redacted(v) for v in value]
    return value


def docs_dir() -> Path | None:
    """Warden's docs: inside the package when installed from a wheel, else the checkout's."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "docs", here.parent.parent / "docs"):
        if candidate.is_dir():
            return candidate
    return None


def register(server: MCPServer, deps: Deps) -> None:
    @server.resource(
        "warden://config",
        name="config",
        description="The loaded warden.yaml as JSON, every secret redacted.",
        mime_type="application/json",
    )
    def config() -> str:
        return json.dumps(redacted(to_jsonable(deps.config)), indent=1)

    from warden.reports import runbooks

    own = deps.config.alerting.runbooks_dir
    for name in runbooks.names(own):
        server.resource(
            f"warden://runbooks/{name}",
            name=f"runbook {name}",
            description=f"Runbook: what to check and do for {name.replace('-', ' ')}.",
            mime_type="text/markdown",
        )(_runbook(name, own))

    folder = docs_dir()
    for path in sorted(folder.glob("*.md")) if folder else []:
        first = path.read_text(encoding="utf-8").split("\n", 1)[0].lstrip("# ").strip()
        server.resource(
            f"warden://docs/{path.stem}",
            name=f"doc {path.stem}",
            description=first or path.stem,
            mime_type="text/markdown",
        )(_file(path))


def _runbook(name: str, own: Path | None) -> Callable[[], str]:
    """A resource function without parameters (a static URI takes none)."""
    from warden.reports import runbooks

    def read() -> str:
        return runbooks.runbook(name, own) or f"runbook {name} is gone"

    return read


def _file(path: Path) -> Callable[[], str]:
    def read() -> str:
        return path.read_text(encoding="utf-8")

    return read
