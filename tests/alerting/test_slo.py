"""SLOs from exact stored counts: SLI, error budget, burn rates and the multi-window alerts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.alerting.rig import monitor
from warden.alerting.config import SloConfig
from warden.alerting.evaluator import Evaluator
from warden.alerting.model import AlertState
from warden.alerting.rules import EvalContext
from warden.alerting.slo import budget_spent, burn_rules, slo_status
from warden.results import CheckResult, Status
from warden.store import SqlStore
from warden.tables import open_store

NOW = 1_700_000_000.0
DAYS3 = 3 * 86400


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    s = open_store(f"sqlite:///{tmp_path}/slo.db")
    # one check a minute for 3 days; the last hour is down, and slow before that on odd minutes
    results = []
    for i in range(DAYS3 // 60):
        t = NOW - DAYS3 + i * 60 + 1
        down = t > NOW - 3600
        latency = 0.5 if i % 2 else 0.1
        results.append(CheckResult("api", Status.DOWN if down else Status.UP, latency, t))
    s.write(results)
    yield s
    s.close()


def test_availability_status_is_exact(store: SqlStore) -> None:
    slo = SloConfig(name="api", monitors=["api"], objective=99.0, window=DAYS3)
    st = slo_status(store, slo, [monitor("api")], NOW)
    assert (st.total, st.good) == (4320, 4260)
    assert st.sli == pytest.approx(100 * 4260 / 4320)
    assert st.budget_remaining == pytest.approx(1 - (60 / 4320) / 0.01)
    assert st.burn_rates["1h"] == pytest.approx(100.0)
    assert st.burn_rates["5m"] == pytest.approx(100.0)
    assert st.burn_rates["6h"] == pytest.approx((60 / 360) / 0.01)
    assert st.burn_rates["3d"] == pytest.approx((60 / 4320) / 0.01)
    assert st.page
    assert st.ticket


def test_latency_slo_counts_slow_checks_as_bad(store: SqlStore) -> None:
    slo = SloConfig(name="fast", monitors=["api"], objective=95.0, window=DAYS3, latency=0.2)
    st = slo_status(store, slo, [monitor("api")], NOW - 3600)  # before the outage
    assert st.total == 4260
    assert st.good == 2130
    assert st.budget_remaining is not None
    assert st.budget_remaining < 0


def test_no_page_when_the_short_window_has_recovered(store: SqlStore) -> None:
    recovered = [CheckResult("api", Status.UP, 0.1, NOW + i * 60) for i in range(1, 32)]
    store.write(recovered)
    slo = SloConfig(name="api", monitors=["api"], objective=99.0, window=DAYS3)
    st = slo_status(store, slo, [monitor("api")], NOW + 31 * 60 + 1)
    assert st.burn_rates["1h"] is not None
    assert st.burn_rates["1h"] > 14.4
    assert st.burn_rates["5m"] == 0.0
    assert st.burn_rates["30m"] == 0.0
    assert st.burn_rates["6h"] is not None
    assert st.burn_rates["6h"] > 6
    assert not st.page


def test_burn_rate_rules_fire_page_and_ticket(store: SqlStore) -> None:
    slo = SloConfig(name="api", monitors=["api"], objective=99.0, window=DAYS3)
    ev = Evaluator(burn_rules([slo]))
    changes, _, _ = ev.evaluate(EvalContext(NOW, store, [monitor("api")], {}))
    fired = {c.alert.labels["burn"]: c.alert for c in changes}
    assert set(fired) == {"page", "ticket"}
    assert fired["page"].severity == "critical"
    assert fired["ticket"].severity == "medium"
    assert all(a.state is AlertState.FIRING for a in fired.values())


def test_budget_spent_over_an_incident(store: SqlStore) -> None:
    slo = SloConfig(name="api", monitors=["api"], objective=99.0, window=DAYS3)
    spent = budget_spent(store, slo, [monitor("api")], NOW - 3600, NOW)
    assert spent == pytest.approx(60 / (4320 * 0.01))


@pytest.mark.parametrize(("min_events", "pages"), [(100, False), (30, True)])
def test_one_failure_on_a_young_store_does_not_page(
    tmp_path: Path, min_events: int, pages: bool
) -> None:
    """37 checks in the store's first minutes, one of them failed: a 27x burn on paper."""
    s = open_store(f"sqlite:///{tmp_path}/young.db")
    try:
        names = ["a", "b", "c"]
        results = [
            CheckResult(names[i % 3], Status.DOWN if i == 36 else Status.UP, 0.1, NOW - 290 + i * 8)
            for i in range(37)
        ]
        s.write(results)
        slo = SloConfig(
            name="api", monitors=names, objective=99.9, window=DAYS3, min_events=min_events
        )
        st = slo_status(s, slo, [monitor(n) for n in names], NOW)
        assert st.burn_rates["1h"] == pytest.approx((1 / 37) / 0.001)
        assert st.page is pages
    finally:
        s.close()
