"""A stand-in driver for test_check_prepare: importing it is recorded, like a slow import."""

from __future__ import annotations

from tests.cli import test_check_prepare

test_check_prepare.EVENTS.append("driver imported")

VALUE = 1
