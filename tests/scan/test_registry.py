"""Every check module is registered, every finding id is declared once and documented."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

from warden.scan import REGISTRY, all_checks

DOCS = Path(__file__).resolve().parents[2] / "docs" / "scan.md"


def test_every_module_of_the_folder_is_registered() -> None:
    checks = all_checks()
    package = importlib.import_module("warden.scan.checks")
    modules = [m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_")]
    registered = {type(c).__module__.rsplit(".", 1)[1] for c in checks}
    assert sorted(modules) == sorted(registered)
    for type_, cls in REGISTRY.items():
        assert cls.finding_ids, type_
        assert cls.reference.startswith("https://"), type_


def test_finding_ids_are_unique_and_documented() -> None:
    ids = [i for c in all_checks() for i in c.finding_ids]
    assert len(ids) == len(set(ids))
    documented = set(re.findall(r"^\| `([a-z0-9_.]+)` \|", DOCS.read_text(), re.MULTILINE))
    assert set(ids) == documented
