"""Alertmanager-style label matchers."""

from __future__ import annotations

import pytest

from warden.alerting.matchers import parse_matcher

LABELS = {"severity": "critical", "monitor": "api-eu", "env": "prod"}


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ('severity="critical"', True),
        ("severity=critical", True),
        ('severity!="critical"', False),
        ('monitor=~"api-.*"', True),
        ('monitor=~"api"', False),  # anchored, like Alertmanager
        ('env!~"dev|staging"', True),
        ('missing=""', True),
        ('missing!=""', False),
    ],
)
def test_matching(text: str, matches: bool) -> None:
    assert parse_matcher(text).matches(LABELS) is matches


@pytest.mark.parametrize(
    "bad", ["severity", "=x", 'a=~"("', "9a=b", 'monitor=~"api', 'monitor="api', 'a=b"c']
)
def test_bad_matchers_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="matcher"):
        parse_matcher(bad)


def test_round_trip() -> None:
    m = parse_matcher('comment="say \\"hi\\""')
    assert m.value == 'say "hi"'
    assert parse_matcher(str(m)) == m
