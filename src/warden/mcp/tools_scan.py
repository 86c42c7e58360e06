"""The infrastructure code scan as an MCP tool (the same ``scan_path`` and JSON builder as
``warden scan --json``).

Scanning reads files, so the tool reads only inside the folders the config allows: the
config file's folder, ``scan.paths`` and the folders of ``scan.scheduled``. A path elsewhere
(or a symbolic link leading out of them) is refused. Findings never include a secret's value.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field

from warden.mcp.deps import Deps
from warden.mcp.paging import Limit, Offset
from warden.mcp.registry import Tools

ORDER = ("critical", "high", "medium", "low")


def allowed_roots(deps: Deps) -> list[Path]:
    """The folders the scan tool may read, resolved."""
    section = deps.config.scan
    roots = [Path(p) for p in section.paths] + [Path(s.path) for s in section.scheduled]
    config_file = getattr(deps, "config_path", None)
    if config_file is None:
        from warden.config._find import candidate_config

        config_file = candidate_config(None)
    if config_file is not None and Path(config_file).is_file():
        roots.append(Path(config_file).parent)
    return [r.resolve() for r in roots]


def confined(path: str, roots: list[Path]) -> Path:
    """``path`` (relative ones against the first root) if it lies inside one of ``roots``."""
    if not roots:
        raise ValueError("no folder may be scanned: set scan.paths in the config")
    given = Path(path).expanduser()
    target = (given if given.is_absolute() else roots[0] / given).resolve()
    if not any(target == r or target.is_relative_to(r) for r in roots):
        allowed = ", ".join(str(r) for r in roots)
        raise ValueError(f"{path}: outside the folders the scan may read ({allowed})")
    if not target.exists():
        raise ValueError(f"{path}: no such file or folder")
    return target


def register(tools: Tools, deps: Deps) -> None:
    @tools.read
    async def scan(
        path: Annotated[
            str, Field(description="Folder or file of infrastructure code (inside scan.paths).")
        ] = ".",
        min_severity: Literal["critical", "high", "medium", "low"] = "low",
        offset: Offset = 0,
        limit: Limit = 20,
    ) -> dict[str, Any]:
        """Scan infrastructure code (Terraform, Kubernetes/Kustomize, Dockerfiles, Compose,
        secrets) with the runtime cross-checks; answers the counts and one page of findings,
        most severe first (offset pages through the rest)."""
        from warden.scan import scan_json, scan_path

        target = confined(path, allowed_roots(deps))
        options = deps.config.scan.options()
        report = await asyncio.to_thread(
            scan_path, target, options, config=deps.config, store=deps.store
        )
        counts = report.counts()
        floor = ORDER.index(min_severity)
        report.findings = [f for f in report.findings if ORDER.index(f.severity.label) <= floor]
        body = scan_json(report, offset=offset, limit=limit)
        body["counts"] = counts
        body["suppressed"] = len(report.suppressed)
        body["notes"] = report.notes[:10]
        body["errors"] = report.errors[:10]
        return body
