"""/metrics: ``warden_alert`` per active alert (like Prometheus' ``ALERTS``), from the store or
from the live evaluator, and the ``warden_slo_*`` gauges; ``promtool`` accepts all of it."""

from __future__ import annotations

import asyncio
import shutil
from asyncio.subprocess import PIPE, STDOUT
from collections.abc import Callable

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.web.conftest import Site, monitors
from warden.alerting.config import SloConfig
from warden.alerting.model import Alert, AlertState, fingerprint
from warden.alerting.service import AlertingService
from warden.alerting.storage import AlertRepository
from warden.results import CheckResult, Status
from warden.web.alerts_api import alert_series_labels, label_name
from warden.web.users import Role

MONITORS = (*monitors("api", "web", group="shop"), *monitors("db", group="data"))
SLOS = [
    SloConfig(name="shop", group="shop", objective=99.0, window=86400.0),
    SloConfig(name="fast", monitors=["api"], objective=95.0, window=86400.0, latency=0.2),
]


def _alert(
    state: AlertState, severity: str = "critical", own: dict[str, str] | None = None, **more: str
) -> Alert:
    labels = {"alertname": "MonitorDown", "severity": severity, **(own or {}), **more}
    return Alert(fingerprint(labels), "down", severity, state, labels, {"summary": "x"})


async def _metrics(site: Site) -> str:
    async with site.client(Role.VIEWER) as c:
        r = await c.get("/metrics")
    assert r.status_code == 200
    return r.text


def _series(text: str, name: str) -> list[dict[str, str]]:
    return [
        dict(s.labels)
        for fam in text_string_to_metric_families(text)
        for s in fam.samples
        if s.name == name and s.value == 1.0
    ]


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("monitor", "monitor"),
        ("team-name", "team_name"),
        ("app.kubernetes.io/name", "app_kubernetes_io_name"),
        ("9lives", "_9lives"),
        ("__meta", "exported__meta"),
        ("", "_"),
        ("é", "_"),
    ],
)
def test_label_names_are_made_valid(key: str, name: str) -> None:
    assert label_name(key) == name


def test_series_labels_never_overwrite_each_other() -> None:
    a = _alert(AlertState.FIRING, "high", {"team-name": "a", "team_name": "b"}, alertstate="custom")
    assert alert_series_labels(a) == {
        "alertname": "MonitorDown",
        "alertstate": "firing",
        "severity": "high",
        "exported_alertstate": "custom",
        "team_name": "a",
        "exported_team_name": "b",
    }
    b = _alert(AlertState.PENDING, "low", {"severity": "critical"})  # differs from the rule's
    assert alert_series_labels(b)["exported_severity"] == "critical"
    assert alert_series_labels(b)["severity"] == "low"


async def test_active_alerts_from_the_store(make_site: Callable[..., Site]) -> None:
    site = make_site(*MONITORS)
    AlertRepository(site.store.engine).save_alerts(
        [
            _alert(AlertState.FIRING, monitor="api", **{"team-name": "shop"}),
            _alert(AlertState.PENDING, "high", monitor="db"),
            _alert(AlertState.RESOLVED, monitor="web"),
            _alert(AlertState.INACTIVE, monitor="old"),
        ]
    )
    text = await _metrics(site)
    active = sorted(_series(text, "warden_alert"), key=lambda s: s["monitor"])
    assert active == [
        {
            "alertname": "MonitorDown",
            "alertstate": "firing",
            "severity": "critical",
            "monitor": "api",
            "team_name": "shop",
        },
        {"alertname": "MonitorDown", "alertstate": "pending", "severity": "high", "monitor": "db"},
    ]
    counts = {
        (s.labels["state"], s.labels["severity"]): s.value
        for fam in text_string_to_metric_families(text)
        for s in fam.samples
        if s.name == "warden_alerts"
    }
    assert counts == {
        ("firing", "critical"): 1.0,
        ("pending", "high"): 1.0,
        ("resolved", "critical"): 1.0,
        ("inactive", "critical"): 1.0,
    }


async def test_active_alerts_from_the_live_evaluator(make_site: Callable[..., Site]) -> None:
    site = make_site(*MONITORS)
    AlertRepository(site.store.engine).save_alerts([_alert(AlertState.FIRING, monitor="db")])
    service = AlertingService(site.app.config, site.store.engine, channels={})
    site.app.services.append(service)
    await service.attach(site.app)  # loads what the store holds, takes the lead
    assert service.is_leader
    live = _alert(AlertState.PENDING, monitor="api")  # not saved yet: only the evaluator has it
    service.evaluator.alerts[live.fingerprint] = live
    active = _series(await _metrics(site), "warden_alert")
    assert {(s["monitor"], s["alertstate"]) for s in active} == {
        ("db", "firing"),
        ("api", "pending"),
    }
    service.is_leader = False  # another instance evaluates: the store is the truth
    active = _series(await _metrics(site), "warden_alert")
    assert {(s["monitor"], s["alertstate"]) for s in active} == {("db", "firing")}
    await service.stop()


async def _slo_site(make_site: Callable[..., Site]) -> Site:
    site = make_site(*MONITORS, slos=SLOS)
    now = site.clock.time()
    rows = []
    for i in range(600):  # 10 hours, one check a minute; api down for 12 of the last 60 minutes
        t = now - 10 - i * 60
        rows.append(CheckResult("api", Status(2 * (i < 60 and i % 5 == 0)), 0.1 + (i % 4) / 10, t))
        rows.append(CheckResult("web", Status.UP, 0.05, t))
    site.store.write(rows)
    return site


async def test_slo_gauges_are_the_api_figures(make_site: Callable[..., Site]) -> None:
    site = await _slo_site(make_site)
    text = await _metrics(site)
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for fam in text_string_to_metric_families(text)
        for s in fam.samples
        if s.name.startswith("warden_slo_")
    }
    async with site.client(Role.VIEWER) as c:
        statuses = (await c.get("/api/v1/slos")).json()["slos"]
    assert len(statuses) == 2
    for st in statuses:
        slo = (("slo", st["name"]),)
        assert samples[("warden_slo_objective_ratio", slo)] == st["objective"] / 100
        assert samples[("warden_slo_sli_ratio", slo)] == pytest.approx(st["sli"] / 100)
        budget = samples[("warden_slo_error_budget_remaining_ratio", slo)]
        assert budget == pytest.approx(st["budget_remaining"])
        for window, rate in st["burn_rates"].items():
            key = ("warden_slo_burn_rate", (("slo", st["name"]), ("window", window)))
            assert samples[key] == pytest.approx(rate)
    shop = next(s for s in statuses if s["name"] == "shop")
    assert shop["total"] == 1200
    assert shop["good"] == 1188
    assert samples[("warden_slo_burn_rate", (("slo", "shop"), ("window", "1h")))] == (
        pytest.approx(12 / 120 / 0.01)
    )


async def test_no_slo_figures_without_slos(make_site: Callable[..., Site]) -> None:
    site = make_site(*MONITORS)
    assert "warden_slo_" not in await _metrics(site)


@pytest.mark.skipif(shutil.which("promtool") is None, reason="Debian package prometheus")
async def test_promtool_accepts_alerts_and_slos(make_site: Callable[..., Site]) -> None:
    site = await _slo_site(make_site)
    AlertRepository(site.store.engine).save_alerts(
        [
            _alert(AlertState.FIRING, monitor="api", **{"team-name": "a", "9": "x", "é": "y"}),
            _alert(AlertState.PENDING, monitor="db", alertstate="weird"),
        ]
    )
    text = await _metrics(site)
    assert "warden_alert{" in text
    assert "warden_slo_burn_rate{" in text
    proc = await asyncio.create_subprocess_exec(
        "promtool", "check", "metrics", stdin=PIPE, stdout=PIPE, stderr=STDOUT
    )
    out, _ = await asyncio.wait_for(proc.communicate(text.encode()), 30)
    assert proc.returncode == 0, out.decode()
    assert out.decode() == ""
