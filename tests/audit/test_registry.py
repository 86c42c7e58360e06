"""Every check module is registered, every finding id is declared once and documented."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest

from warden.audit import KINDS, audit_kind

DOCS = Path(__file__).resolve().parents[2] / "docs" / "audit.md"


@pytest.mark.parametrize("kind", KINDS)
def test_every_module_of_the_folder_is_registered(kind: str) -> None:
    spec = audit_kind(kind)
    package = importlib.import_module(f"warden.audit.{kind}")
    modules = [m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_")]
    registered = {cls.__module__.rsplit(".", 1)[1] for _, cls in spec.registry.items()}
    assert sorted(modules) == sorted(registered)
    for type_, cls in spec.registry.items():
        assert type_.startswith(spec.prefix + "."), type_
        assert cls.finding_ids, type_
        assert all(i.startswith(spec.prefix + ".") for i in cls.finding_ids), type_


def _all_ids() -> list[str]:
    return [i for k in KINDS for _, cls in audit_kind(k).registry.items() for i in cls.finding_ids]


def test_finding_ids_are_unique() -> None:
    ids = _all_ids()
    assert len(ids) == len(set(ids))


def test_every_finding_id_is_documented() -> None:
    text = DOCS.read_text()
    documented = set(re.findall(r"^\| `([a-z]+\.[a-z0-9_]+)` \|", text, re.MULTILINE))
    assert documented == set(_all_ids())


def test_every_threshold_is_documented() -> None:
    text = DOCS.read_text()
    for kind in KINDS:
        for type_, cls in audit_kind(kind).registry.items():
            for name in cls.thresholds:
                assert f"`{type_}.{name}`" in text, f"{type_}.{name} is not in docs/audit.md"
