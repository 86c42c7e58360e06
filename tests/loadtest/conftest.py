"""Fixtures of the load-test tests: a loopback HTTP server and a helper that runs a scenario."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from warden.loadtest.compile import compile_plan
from warden.loadtest.results import RunResult
from warden.loadtest.runner import LoadRunner
from warden.loadtest.scenario import Scenario

from ._server import TestServer


@pytest.fixture
def server() -> Iterator[TestServer]:
    srv = TestServer().start()
    try:
        yield srv
    finally:
        srv.stop()


RunScenario = Callable[..., RunResult]


@pytest.fixture
def run_scenario() -> RunScenario:
    """Run a scenario given as keyword arguments (one worker unless ``workers`` is given)."""

    def run(workers: int = 1, **fields: Any) -> RunResult:
        fields.setdefault("timeout", 2.0)
        scenario = Scenario.model_validate(fields)
        plan = compile_plan(scenario, workers=workers)
        return LoadRunner(plan).run()

    return run
