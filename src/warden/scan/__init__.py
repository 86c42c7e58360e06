"""Infrastructure code scan: Terraform (and plans), Kubernetes/Kustomize, Dockerfiles, Compose
and secrets, checked by one module per rule and cross-checked with what Warden knows of the
running system. ``scan_path`` is the one entry point; ``scan_json`` the one JSON builder.
See docs/scan.md. Names are imported on first use, so loading a config stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from warden.scan._base import REGISTRY, ScanCheck, ScanReport, Suppressed, scan_json
    from warden.scan._model import ScanError, ScanFinding, ScanOptions
    from warden.scan._runner import all_checks, scan_path
    from warden.scan._sarif import to_sarif
    from warden.scan._suppress import baseline_document, load_baseline

_WHERE = {
    "REGISTRY": "_base",
    "ScanCheck": "_base",
    "ScanReport": "_base",
    "Suppressed": "_base",
    "scan_json": "_base",
    "ScanError": "_model",
    "ScanFinding": "_model",
    "ScanOptions": "_model",
    "all_checks": "_runner",
    "scan_path": "_runner",
    "to_sarif": "_sarif",
    "baseline_document": "_suppress",
    "load_baseline": "_suppress",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'warden.scan' has no attribute {name!r}")
    return getattr(importlib.import_module(f"warden.scan.{_WHERE[name]}"), name)


__all__ = [
    "REGISTRY",
    "ScanCheck",
    "ScanError",
    "ScanFinding",
    "ScanOptions",
    "ScanReport",
    "Suppressed",
    "all_checks",
    "baseline_document",
    "load_baseline",
    "scan_json",
    "scan_path",
    "to_sarif",
]
