"""Per-receiver message templates (Jinja2, sandboxed) for chat and e-mail channels.

A receiver's ``templates: {title, body}`` replace the built-in text of its Apprise messages.
Templates see the Alertmanager webhook payload's fields (``status``, ``receiver``,
``groupLabels``, ``commonLabels``, ``commonAnnotations``, ``externalURL``, ``alerts``) plus
``firing`` and ``resolved`` (the alerts of each status). An unknown variable is an error, so a
typo is refused when the config is loaded (each template is rendered once against a sample
payload) instead of sending a message with a hole in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

_ENV = SandboxedEnvironment(
    undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False
)

_SAMPLE_LABELS = {"alertname": "Down", "monitor": "api", "severity": "critical"}
_SAMPLE_ANNOTATIONS = {"summary": "api is down", "runbook_url": "https://runbooks.test/down"}
_SAMPLE_ALERT: dict[str, Any] = {
    "status": "firing",
    "labels": _SAMPLE_LABELS,
    "annotations": _SAMPLE_ANNOTATIONS,
    "startsAt": "2026-01-01T00:00:00Z",
    "endsAt": "0001-01-01T00:00:00Z",
    "generatorURL": "http://127.0.0.1:8080/alerts/0123456789abcdef",
    "fingerprint": "0123456789abcdef",
}
SAMPLE_PAYLOAD: dict[str, Any] = {
    "version": "4",
    "groupKey": "route/ops:{}",
    "truncatedAlerts": 0,
    "status": "firing",
    "receiver": "ops",
    "groupLabels": {"alertname": "Down"},
    "commonLabels": _SAMPLE_LABELS,
    "commonAnnotations": _SAMPLE_ANNOTATIONS,
    "externalURL": "http://127.0.0.1:8080",
    "alerts": [_SAMPLE_ALERT],
}


def _context(payload: Mapping[str, Any]) -> dict[str, Any]:
    alerts = list(payload.get("alerts", []))
    return {
        **payload,
        "firing": [a for a in alerts if a.get("status") == "firing"],
        "resolved": [a for a in alerts if a.get("status") == "resolved"],
    }


def render(template: str, payload: Mapping[str, Any]) -> str:
    """``template`` rendered for ``payload``; ValueError (naming the problem) if it cannot be."""
    try:
        return _ENV.from_string(template).render(_context(payload)).strip()
    except TemplateError as exc:
        raise ValueError(f"template error: {exc}") from exc


def check(template: str) -> str:
    """``template`` if it compiles and renders for a sample payload, else ValueError."""
    render(template, SAMPLE_PAYLOAD)
    return template
