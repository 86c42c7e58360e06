"""The evaluator: vanished label sets resolve, a failing rule keeps its alerts as they are."""

from __future__ import annotations

from typing import Any

import pytest

from warden.alerting.evaluator import Evaluator, RuleSpec
from warden.alerting.model import AlertState, Observation
from warden.alerting.rules import EvalContext

NOW = 1_700_000_000.0


class Scripted:
    def __init__(self) -> None:
        self.answer: list[Observation] | Exception = []

    def __call__(self, ctx: EvalContext) -> list[Observation]:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def ctx(now: float) -> EvalContext:
    store: Any = None
    return EvalContext(now, store, [], {})


@pytest.fixture
def rule() -> Scripted:
    return Scripted()


def test_failing_rule_keeps_firing_alert_and_records_the_error(rule: Scripted) -> None:
    ev = Evaluator([RuleSpec("r", "high", 0.0, rule)])
    rule.answer = [Observation({"alertname": "r", "monitor": "a"}, True)]
    changes, dirty, _ = ev.evaluate(ctx(NOW))
    assert [c.alert.state for c in changes] == [AlertState.FIRING]
    assert dirty
    rule.answer = RuntimeError("store unreachable")
    changes, _, _ = ev.evaluate(ctx(NOW + 10))
    assert changes == []
    assert ev.firing()[0].labels["monitor"] == "a"
    assert "store unreachable" in ev.errors["r"]


def test_vanished_label_set_resolves_and_old_resolved_are_forgotten(rule: Scripted) -> None:
    ev = Evaluator([RuleSpec("r", "high", 0.0, rule)], resolved_ttl=60)
    rule.answer = [Observation({"alertname": "r", "monitor": "a"}, True)]
    ev.evaluate(ctx(NOW))
    rule.answer = []  # the monitor was removed from the config
    changes, _, _ = ev.evaluate(ctx(NOW + 10))
    assert [c.alert.state for c in changes] == [AlertState.RESOLVED]
    _, _, forget = ev.evaluate(ctx(NOW + 100))
    assert len(forget) == 1
    assert ev.alerts == {}


def test_next_deadline_is_when_a_pending_alert_would_fire(rule: Scripted) -> None:
    ev = Evaluator([RuleSpec("r", "high", 30.0, rule)])
    rule.answer = [Observation({"alertname": "r"}, True, since=NOW - 5)]
    ev.evaluate(ctx(NOW))
    assert ev.next_deadline() == NOW + 25
