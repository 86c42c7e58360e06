"""Deploy markers: recorded and listed by the API (operator to write, viewer to read), freeze
windows reported and enforced on request, markers beside an incident, bad input refused."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import Site, monitors
from warden.alerting.config import MaintenanceConfig
from warden.deploys.config import DeploysConfig
from warden.deploys.freeze import active_freezes
from warden.web.users import Role

NOW = 1_764_936_000.0  # Fri 2025-12-05 12:00 UTC


@pytest.mark.parametrize(
    ("window", "service", "frozen"),
    [
        ({"start": "2025-12-05T00:00:00Z", "end": "2025-12-06T00:00:00Z"}, "shop", True),
        ({"start": "2025-12-06T00:00:00Z", "end": "2025-12-07T00:00:00Z"}, "shop", False),
        ({"cron": "0 10 * * 5", "duration": "4h", "matchers": ['service="shop"']}, "shop", True),
        ({"cron": "0 10 * * 5", "duration": "4h", "matchers": ['service="shop"']}, "blog", False),
        ({"cron": "0 10 * * 5", "duration": "1h"}, "shop", False),
    ],
)
def test_freeze_windows(window: dict[str, Any], service: str, frozen: bool) -> None:
    class Config:
        deploys = DeploysConfig(freezes=[MaintenanceConfig.model_validate({"name": "f", **window})])

    got = active_freezes(Config(), service, NOW)
    assert bool(got) is frozen


async def test_markers_through_the_api(make_site: Any) -> None:
    site: Site = make_site(*monitors("api"), deploys={"freezes": [
        {"name": "now", "start": "2000-01-01T00:00:00Z", "end": "2100-01-01T00:00:00Z",
         "matchers": ['service="frozen"']}]})  # fmt: skip
    async with site.client(Role.OPERATOR) as op, site.client(Role.VIEWER) as viewer:
        made = await op.post("/api/v1/deploys", json={"service": "shop", "version": "v7",
                                                       "message": "ci #81"})  # fmt: skip
        assert made.status_code == 201
        assert made.json()["marker"]["author"] == "operator"
        assert made.json()["freezes"] == []
        assert (await viewer.post("/api/v1/deploys", json={"service": "x"})).status_code == 403
        assert (await op.post("/api/v1/deploys", json={"version": "1"})).status_code == 400
        frozen = await op.post("/api/v1/deploys", json={"service": "frozen"})
        assert frozen.status_code == 201
        assert frozen.json()["freezes"][0]["name"] == "now"
        refused = await op.post("/api/v1/deploys", json={"service": "frozen",
                                                          "fail_on_freeze": True})  # fmt: skip
        assert refused.status_code == 409
        got = (await viewer.get("/api/v1/deploys", params={"service": "shop"})).json()
        assert [(m["service"], m["version"]) for m in got["markers"]] == [("shop", "v7")]
        assert (await viewer.get("/api/v1/deploys", params={"since": "x"})).status_code == 400


async def test_diagnose_through_the_api(make_site: Any) -> None:
    from warden.results import Status

    site: Site = make_site(*monitors("api"))
    for i in range(20):
        await site.record("api", Status.UP, 0.01 if i < 10 else 0.2)
        site.clock.advance(60)
    await site.app.flush()
    async with site.client(Role.VIEWER) as viewer:
        got = await viewer.get("/api/v1/diagnose/api", params={"since": site.clock.time() - 3600})
        assert got.status_code == 200, got.text
        body = got.json()
        assert body["monitor"] == "api"
        assert body["checks"] == 20
        assert body["symptoms"][0]["what"] == "latency"
        assert (await viewer.get("/api/v1/diagnose/nope")).status_code == 404
