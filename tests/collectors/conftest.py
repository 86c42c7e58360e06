"""Fixtures shared by the collector tests: a fake clock and a unique name per test."""

from __future__ import annotations

import secrets

import pytest

from warden.engine.clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def unique() -> str:
    """A name no other test run uses: ``warden_test_collectors_<hex>``."""
    return f"warden_test_collectors_{secrets.token_hex(4)}"
