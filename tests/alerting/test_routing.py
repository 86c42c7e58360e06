"""Routing and grouping decisions (pure), and maintenance windows."""

from __future__ import annotations

import datetime as dt

import pytest

from warden.alerting.config import MaintenanceConfig, RouteConfig
from warden.alerting.model import Alert, AlertState, fingerprint
from warden.alerting.muting import MaintenanceWindow, Muting
from warden.alerting.routing import GroupCommit, Route, matching_routes, plan
from warden.alerting.storage import GroupState

T0 = 1_700_000_000.0
NO_MUTING = Muting([], [])


def alert(monitor: str, severity: str = "critical", state: AlertState = AlertState.FIRING) -> Alert:
    labels = {"alertname": "Down", "monitor": monitor, "severity": severity}
    return Alert(
        fingerprint(labels), "Down", severity, state, labels, {}, starts_at=T0, ends_at=T0 + 5
    )


def routes(**kw: object) -> list[Route]:
    return Route.build(
        [
            RouteConfig.model_validate(
                {"receiver": "pager", "matchers": ['severity="critical"'], **kw}
            ),
            RouteConfig.model_validate({"receiver": "chat", **kw}),
        ]
    )


def run(
    rs: list[Route], alerts: list[Alert], groups: dict[str, GroupState], now: float
) -> list[GroupCommit]:
    commits = plan(
        rs,
        {"pager": ["webhook:0"], "chat": ["apprise:0"]},
        alerts,
        groups,
        NO_MUTING,
        now,
        "http://w",
    )
    for c in commits:
        if c.state is None:
            groups.pop(c.key, None)
        else:
            groups[c.key] = c.state
    return [c for c in commits if c.outgoing]


@pytest.mark.parametrize(
    ("labels", "receivers"),
    [
        ({"severity": "critical"}, ["pager"]),
        ({"severity": "low"}, ["chat"]),
    ],
)
def test_first_matching_route_wins(labels: dict[str, str], receivers: list[str]) -> None:
    assert [r.config.receiver for r in matching_routes(routes(), labels)] == receivers


def test_continue_sends_to_later_routes_too() -> None:
    rs = routes(**{"continue": True})
    assert [r.config.receiver for r in matching_routes(rs, {"severity": "critical"})] == [
        "pager",
        "chat",
    ]


def test_group_interval_and_repeat_interval() -> None:
    rs = routes(group_by=["alertname"], group_interval="5m", repeat_interval="1h")
    groups: dict[str, GroupState] = {}
    a, b = alert("a"), alert("b")
    [first] = run(rs, [a], groups, T0)
    assert [x.fingerprint for x in first.alerts] == [a.fingerprint]
    assert run(rs, [a, b], groups, T0 + 60) == []  # a change, but within group_interval
    [second] = run(rs, [a, b], groups, T0 + 300)
    assert len(second.alerts) == 2
    assert run(rs, [a, b], groups, T0 + 1800) == []  # nothing new, no repeat yet
    [repeat] = run(rs, [a, b], groups, T0 + 300 + 3600)
    assert repeat.outgoing[0].dedup_key != second.outgoing[0].dedup_key
    resolved_a = alert("a", state=AlertState.RESOLVED)
    [third] = run(rs, [resolved_a, b], groups, T0 + 300 + 3600 + 300)
    assert {x.fingerprint: x.state for x in third.alerts} == {
        b.fingerprint: AlertState.FIRING,
        a.fingerprint: AlertState.RESOLVED,
    }
    assert third.outgoing[0].payload["status"] == "firing"


def test_a_reload_that_inserts_a_route_renames_no_group_and_resends_nothing() -> None:
    rs = routes(repeat_interval="4h")
    groups: dict[str, GroupState] = {}
    a = alert("a")
    [first] = run(rs, [a], groups, T0)
    assert first.outgoing
    keys = set(groups)
    inserted = Route.build(
        [
            RouteConfig.model_validate({"receiver": "team", "matchers": ['team="db"']}),
            *(r.config for r in rs),
        ]
    )
    assert run(inserted, [a], groups, T0 + 60) == []  # same group, repeat_interval holds
    assert set(groups) == keys


def test_identical_routes_get_distinct_groups() -> None:
    same = RouteConfig.model_validate({"receiver": "chat", "continue": True})
    r1, r2 = Route.build([same, same])
    assert r1.group_key(alert("a")) != r2.group_key(alert("a"))


@pytest.mark.parametrize(
    ("cfg", "at", "active"),
    [
        (
            {"start": "2026-01-10T02:00:00Z", "end": "2026-01-10T04:00:00Z"},
            "2026-01-10T03:00:00",
            True,
        ),
        (
            {"start": "2026-01-10T02:00:00Z", "end": "2026-01-10T04:00:00Z"},
            "2026-01-10T04:00:00",
            False,
        ),
        ({"cron": "0 2 * * 0", "duration": "2h"}, "2026-01-11T03:59:00", True),  # a Sunday
        ({"cron": "0 2 * * 0", "duration": "2h"}, "2026-01-11T04:01:00", False),
        ({"cron": "0 2 * * 0", "duration": "2h"}, "2026-01-12T03:00:00", False),
    ],
)
def test_maintenance_windows(cfg: dict[str, str], at: str, active: bool) -> None:
    w = MaintenanceWindow.from_config(MaintenanceConfig.model_validate({"name": "m", **cfg}))
    now = dt.datetime.fromisoformat(at).replace(tzinfo=dt.UTC).timestamp()
    assert w.active(now) is active


def test_maintenance_window_mutes_matching_alerts_only() -> None:
    cfg = MaintenanceConfig.model_validate(
        {"name": "db", "matchers": ['monitor="db"'], "cron": "* * * * *", "duration": "1m"}
    )
    muting = Muting([], [MaintenanceWindow.from_config(cfg)])
    assert muting.reason(alert("db"), [], T0) == "maintenance window db"
    assert muting.reason(alert("api"), [], T0) is None


def test_bad_maintenance_config_is_refused() -> None:
    with pytest.raises(ValueError, match="duration"):
        MaintenanceConfig.model_validate({"name": "m", "cron": "0 2 * * *"})
    with pytest.raises(ValueError, match="cron"):
        MaintenanceConfig.model_validate({"name": "m", "cron": "nope", "duration": "1h"})


def test_inhibit_rules_mute_targets_sharing_the_equal_labels() -> None:
    from warden.alerting.config import InhibitRuleConfig

    def a(name: str, severity: str, cluster: str) -> Alert:
        labels = {"alertname": name, "severity": severity, "cluster": cluster}
        return Alert(fingerprint(labels), name, severity, AlertState.FIRING, labels, {})

    rule = InhibitRuleConfig.model_validate(
        {
            "source_matchers": ['severity="critical"'],
            "target_matchers": ['severity=~"high|medium"'],
            "equal": ["cluster"],
        }
    )
    muting = Muting.build([], [], [rule])
    src, same, other = (
        a("DcDown", "critical", "eu"),
        a("Slow", "high", "eu"),
        a("Slow", "high", "us"),
    )
    reasons = muting.reasons([src, same, other], T0)
    assert set(reasons) == {same.fingerprint}
    assert reasons[same.fingerprint].startswith("inhibited by DcDown")
    # the inhibited alert is not notified; the others are
    rs = Route.build([RouteConfig.model_validate({"receiver": "chat", "group_by": ["cluster"]})])
    commits = plan(rs, {"chat": ["apprise:0"]}, [src, same, other], {}, muting, T0, "http://w")
    sent = {a.fingerprint for c in commits for a in c.alerts}
    assert sent == {src.fingerprint, other.fingerprint}
