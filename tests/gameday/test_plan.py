"""Game-day plans: what validates, and every problem with its file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from warden.errors import ConfigError
from warden.gameday.plan import load_plan, parse_plan

GOOD = """\
name: api freezes
hold: 30s
faults:
  - signal: {pid: 4242}
  - netem: {interface: eth1, delay: 300ms, loss: 5}
  - command: {inject: [touch, /tmp/x], revert: [rm, /tmp/x]}
  - toxiproxy: {proxy: redis, type: latency, attributes: {latency: 1000}}
expect:
  fire: [{alert: MonitorDown, within: 2m, severity: high, labels: {monitor: api}}]
  not_fire: [HostHighCpu]
  recover: [{monitor: api, within: 1m}]
"""


def test_a_full_plan_validates() -> None:
    plan = parse_plan(GOOD, "p.yaml")
    assert [f.kind() for f in plan.faults] == ["signal", "netem", "command", "toxiproxy"]
    assert plan.hold == 30.0
    assert plan.faults[1].netem is not None
    assert plan.faults[1].netem.delay == 0.3
    assert plan.expect.fire[0].within == 120.0


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("name: x\nfaults: []\nexpect: {recover: [{monitor: a}]}\n", "p.yaml:2: faults"),
        ("name: x\nfaults:\n  - command: {inject: [a]}\nexpect: {recover: [{monitor: a}]}\n",
         "p.yaml:3: faults[0].command.revert: required key is missing"),
        ("name: x\nfaults:\n  - {signal: {pid: 5}, netem: {interface: e, delay: 1s}}\n"
         "expect: {recover: [{monitor: a}]}\n", "p.yaml:3: faults[0]: a fault is exactly one"),
        ("name: x\nfaults:\n  - signal: {}\nexpect: {recover: [{monitor: a}]}\n",
         "faults[0].signal: give exactly one of pid and pid_file"),
        ("name: x\nfaults:\n  - netem: {interface: eth0}\nexpect: {recover: [{monitor: a}]}\n",
         "faults[0].netem: give a delay or a loss"),
        ("name: x\nfaults:\n  - signal: {pid: 7}\n", "expect: give at least one alert"),
        ("name: x\nhold: 2h\nfaults:\n  - signal: {pid: 7}\nexpect: {recover: [{monitor: a}]}\n",
         "hold: between 1s and 1h"),
        ("name: x\nfaults:\n  - toxiproxy: {url: 'file:///etc', proxy: p, type: latency}\n"
         "expect: {recover: [{monitor: a}]}\n", "toxiproxy.url: must be an http"),
        ("name: x\nfaults:\n  - signal: {pid: 7}\nexpect: {recover: [{monitor: a}]}\nextra: 1\n",
         "p.yaml:5: extra: unknown key"),
    ],
)  # fmt: skip
def test_bad_plans_say_where(text: str, where: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_plan(text, "p.yaml")
    assert any(where in str(i) for i in info.value.issues), [str(i) for i in info.value.issues]


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_plan(tmp_path / "nope.yaml")
