"""Cross-section checks: names that point nowhere or are used twice, located by file:line: key."""

from __future__ import annotations

from pathlib import Path

import pytest

from warden.config import load_config, parse_config
from warden.config.references import check_references
from warden.errors import ConfigError

BASE = """\
monitors:
  - name: api
    group: shop
    command: {argv: [uname]}
  - name: db-main
    group: data
    command: {argv: [uname]}
receivers:
  - name: ops
"""  # 9 lines: the snippets below start on line 10


def issues_of(snippet: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(BASE + snippet, "warden.yaml", {})
    return [str(i) for i in info.value.issues]


CASES = [
    (
        "routes:\n  - receiver: opz\n",
        "warden.yaml:11: routes[0].receiver: no receiver 'opz' (receivers: ops); "
        "did you mean 'ops'?",
    ),
    (
        "  - name: ops\n",
        "warden.yaml:10: receivers[1].name: 'ops' is already used by receivers[0]",
    ),
    (
        "alerts:\n  - {name: Down, state: {}}\n  - {name: Down, state: {}}\n",
        "warden.yaml:12: alerts[1].name: 'Down' is already used by alerts[0]",
    ),
    (
        "alerts:\n  - name: Slow\n    check: {monitors: [apj], threshold: 1}\n",
        "warden.yaml:12: alerts[0].check.monitors[0]: no monitor 'apj'; did you mean 'api'?",
    ),
    (
        "alerts:\n  - name: Down\n    state:\n      monitors: ['web-*']\n",
        "warden.yaml:13: alerts[0].state.monitors[0]: 'web-*' matches no monitor",
    ),
    (
        "alerts:\n  - name: Flap\n    flapping:\n      group: shoop\n",
        "warden.yaml:13: alerts[0].flapping.group: no monitor is in group 'shoop'; "
        "did you mean 'shop'?",
    ),
    (
        "slos:\n  - name: a\n    objective: 99\n    monitors: [db-mian]\n",
        "warden.yaml:13: slos[0].monitors[0]: no monitor 'db-mian'; did you mean 'db-main'?",
    ),
    (
        "slos:\n  - name: a\n    objective: 99\n    monitors: [api]\n    group: data\n",
        "warden.yaml:14: slos[0].group: selects no monitor",
    ),
    (
        "slos:\n  - {name: a, objective: 99}\n  - {name: a, objective: 99.9}\n",
        "warden.yaml:12: slos[1].name: 'a' is already used by slos[0]",
    ),
    (
        "maintenance:\n  - name: w\n    start: 2030-01-01T00:00:00Z\n"
        "    end: 2030-01-02T00:00:00Z\n    matchers:\n"
        "      - 'group=\"shop\"'\n      - 'monitor=\"dbmain\"'\n",
        "warden.yaml:16: maintenance[0].matchers[1]: no monitor 'dbmain'; did you mean 'db-main'?",
    ),
    (
        "maintenance:\n  - name: w\n    cron: '0 3 * * 0'\n    duration: 1h\n"
        "    matchers: ['monitor=~\"web-.*\"']\n",
        "warden.yaml:14: maintenance[0].matchers[0]: regex 'web-.*' matches no monitor",
    ),
    (
        "status_pages:\n  - slug: pub\n    title: Public\n    components:\n"
        "      - name: Shop\n        monitors: [api, apii]\n",
        "warden.yaml:15: status_pages[0].components[0].monitors[1]: no monitor 'apii'; "
        "did you mean 'api'?",
    ),
    (
        "status_pages:\n"
        "  - {slug: pub, title: A, components: [{name: Shop, monitors: [api]}]}\n"
        "  - {slug: pub, title: B, components: [{name: Shop, monitors: [api]}]}\n",
        "warden.yaml:12: status_pages[1].slug: 'pub' is already used by status_pages[0]",
    ),
    (
        "status_pages:\n  - slug: pub\n    title: A\n    components:\n"
        "      - {name: Shop, monitors: [api]}\n      - {name: Shop, monitors: [db-main]}\n",
        "warden.yaml:15: status_pages[0].components[1].name: 'Shop' is already used by "
        "status_pages[0].components[0]",
    ),
]


@pytest.mark.parametrize(("snippet", "expected"), CASES)
def test_a_reference_to_nothing_is_located(snippet: str, expected: str) -> None:
    assert issues_of(snippet) == [expected]


def test_depends_on_names_known_monitors_only() -> None:
    text = BASE.replace(
        "    group: shop\n", "    group: shop\n    labels: {depends_on: 'db-main, cache, api'}\n"
    )
    with pytest.raises(ConfigError) as info:
        parse_config(text, "warden.yaml", {})
    assert [str(i) for i in info.value.issues] == [
        "warden.yaml:4: monitors[0].labels.depends_on: no monitor 'cache'; "
        "a monitor cannot depend on itself"
    ]


def test_every_problem_is_reported_at_once() -> None:
    found = issues_of(
        "routes:\n  - receiver: nobody\n"
        "slos:\n  - {name: a, objective: 99, group: nope}\n"
        "status_pages:\n  - {slug: p, title: P, components: [{name: X, monitors: [gone]}]}\n"
    )
    assert [f.split(": ")[1] for f in found] == [
        "routes[0].receiver",
        "slos[0].group",
        "status_pages[0].components[0].monitors[0]",
    ]


@pytest.mark.parametrize(
    "snippet",
    [
        "routes:\n  - receiver: ops\n",
        "alerts:\n  - name: Any\n    state: {monitors: ['*']}\n"
        "  - name: Off\n    enabled: false\n    state: {monitors: [gone]}\n",
        "alerts:\n  - name: Shop\n"
        "    check: {monitors: ['a*', db-main], group: shop, threshold: 1}\n",
        "slos:\n  - {name: a, objective: 99, monitors: ['db-*'], group: data}\n",
        "maintenance:\n  - name: w\n    cron: '0 3 * * 0'\n    duration: 1h\n"
        "    matchers: ['monitor!=\"anything\"', 'group=~\"sh.*\"', 'env=\"prod\"']\n",
        "status_pages:\n  - {slug: a, title: A, components: [{name: S, monitors: [api]}]}\n"
        "  - {slug: b, title: B, components: [{name: S, monitors: [api, db-main]}]}\n",
    ],
)
def test_valid_references_pass(snippet: str) -> None:
    parse_config(BASE + snippet, "warden.yaml", {})


def test_load_config_and_code_built_configs_get_the_same_check(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(BASE + "routes:\n  - receiver: pager\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"w\.yaml:11: routes\[0\]\.receiver: no receiver"):
        load_config(path)
    built = parse_config(BASE, "w.yaml", {}).model_copy(
        update={"routes": parse_config(BASE + "routes: [{receiver: ops}]", "w", {}).routes}
    )
    check_references(built)  # fine
    broken = built.model_copy(update={"receivers": []})
    with pytest.raises(ConfigError, match=r"^warden\.yaml: routes\[0\]\.receiver: no receiver"):
        check_references(broken)


@pytest.mark.parametrize(
    ("snippet", "where"),
    [
        ("routes:\n  - receiver: ops\n    matchers: ['severity=\"high\"', 'monitor=~\"api']\n",
         "warden.yaml:12: routes[0].matchers[1]"),
        ("maintenance:\n  - name: m\n    start: 2030-01-01T00:00:00Z\n"
         "    end: 2030-01-02T00:00:00Z\n    matchers: ['monitor=~\"api']\n",
         "warden.yaml:14: maintenance[0].matchers[0]"),
        ("inhibit_rules:\n  - source_matchers: ['severity=\"critical\"']\n"
         "    target_matchers: ['severity=\"high']\n",
         "warden.yaml:12: inhibit_rules[0].target_matchers[0]"),
    ],
)  # fmt: skip
def test_a_malformed_matcher_is_refused_where_it_is(snippet: str, where: str) -> None:
    [issue] = issues_of(snippet)
    assert issue.startswith(where)
    assert "monitor=~" in issue or 'severity="high' in issue


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("alerts:\n  - name: Cpu\n    summary: 'CPU of {monitor} is high'\n"
         "    metric: {series: host_cpu_percent, threshold: 90}\n",
         "warden.yaml:12: alerts[0].summary: {monitor}: samples of host_cpu_percent carry no "
         "'monitor' label"),
        ("alerts:\n  - name: Down\n    state: {}\n    description: 'owned by {team}'\n",
         "warden.yaml:13: alerts[0].description: {team} cannot be filled"),
    ],
)  # fmt: skip
def test_a_placeholder_no_alert_can_fill_is_refused(snippet: str, expected: str) -> None:
    [issue] = issues_of(snippet)
    assert issue.startswith(expected)


def test_placeholders_every_alert_can_fill_pass() -> None:
    text = BASE.replace("    group: shop\n", "    group: shop\n    labels: {team: web}\n")
    text = text.replace("    group: data\n", "    group: data\n    labels: {team: db}\n")
    parse_config(
        text + "alerts:\n  - name: Down\n    state: {}\n    summary: '{monitor} ({team}) {value}'\n"
        "  - name: Cpu\n    summary: 'CPU of {host}: {value}%'\n"
        "    metric: {series: host_cpu_percent, threshold: 90}\n",
        "warden.yaml",
        {},
    )
