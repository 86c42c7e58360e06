"""The two fixture trees: ``bad`` plants a problem for every check, ``clean`` has none."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
BAD = FIXTURES / "bad"
CLEAN = FIXTURES / "clean"

needs_kubectl = pytest.mark.skipif(
    shutil.which("kubectl") is None, reason="kubectl is not installed"
)


@pytest.fixture
def bad_copy(tmp_path: Path) -> Path:
    """A writable copy of the bad tree (for suppression comments and baselines)."""
    target = tmp_path / "bad"
    shutil.copytree(BAD, target)
    return target
