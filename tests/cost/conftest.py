"""Small FOCUS exports made by warden.cost.generate (four months of daily lines, ~3,700 rows,
the CDN spike on 10-12 March) and a data directory holding them, shared per module."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.backup.conftest import moto_endpoint  # noqa: F401  (the S3 server fixture)
from warden.cost.config import CostConfig
from warden.cost.generate import generate, write
from warden.cost.ingest import ingest

START, MONTHS, ANOMALY = "2025-01", 4, "2025-03"
BUDGETS = [{"tag": "team", "value": "shop", "monthly": 3000}, {"monthly": 5000}]


def config(**extra: object) -> CostConfig:
    return CostConfig.model_validate({"budgets": BUDGETS, **extra})


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same export as Parquet and as gzip'd CSV (FOCUS 1.2), and as 1.0 and 1.3."""
    out = tmp_path_factory.mktemp("exports")
    table = generate(START, MONTHS)
    write(table, out / "focus.parquet")
    write(table, out / "csv" / "focus.csv.gz")
    write(generate(START, MONTHS, version="1.0"), out / "v10" / "focus.csv")
    write(generate(START, MONTHS, version="1.3"), out / "v13" / "focus.parquet")
    return out


@pytest.fixture(scope="module")
def lake(exports: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with the Parquet export ingested."""
    root = tmp_path_factory.mktemp("lake")
    ingest([str(exports / "focus.parquet")], config(), root)
    return root
