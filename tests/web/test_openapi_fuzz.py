"""Schemathesis against /api/v1/openapi.json: no input, valid or not, gives a 5xx.

Responses must also keep to the document: declared status codes, JSON content type and
the declared schemas.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.web.conftest import Site, monitors
from warden.incidents.storage import IncidentRepository
from warden.results import CheckResult, Status
from warden.web.openapi import openapi_document
from warden.web.users import Role

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def fuzz_site(make_site: Callable[..., Site]) -> Site:
    site = make_site(*monitors("api", "db", group="shop"))
    now = site.clock.time()
    site.store.write(
        [
            CheckResult("api", Status.UP, 0.01, now - 60 * i, phases={"ttfb": 0.005})
            for i in range(30)
        ]
        + [CheckResult("db", Status.DOWN, 1.0, now - 60 * i, message="x") for i in range(30)]
    )
    # incident #1 exists, so the write operations on /incidents/{id} can succeed, not only 404
    IncidentRepository(site.store.engine).declare("db down", "high", "admin", now - 600, ["db"])
    return site


# Loaded from the same document the app serves (pytest 9 cannot use schemathesis'
# ``from_fixture``); each call goes to the test's own app.
schema = schemathesis.openapi.from_dict(openapi_document())


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_keeps_to_its_openapi_document(case: Any, fuzz_site: Site) -> None:
    case.call_and_validate(
        app=fuzz_site.asgi,
        base_url="http://testserver",
        headers={"Authorization": f"Bearer {fuzz_site.tokens[Role.ADMIN]}"},
        checks=CHECKS,
    )
