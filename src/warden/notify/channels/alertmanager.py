"""``alertmanager``: push the alerts to an Alertmanager's ``POST /api/v2/alerts``.

Firing alerts are sent without ``endsAt``, so Alertmanager keeps them for its
``resolve_timeout`` (5m by default): route them with a ``repeat_interval`` shorter than that.
Resolved alerts carry their ``endsAt`` and resolve at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from warden.alerting.config import AlertmanagerTarget
from warden.notify.channels._base import REGISTRY, Delivery
from warden.notify.channels._http import post_json, where
from warden.notify.payload import alertmanager_alerts


@REGISTRY.register
class AlertmanagerChannel:
    type: ClassVar[str] = "alertmanager"

    def __init__(self, target: AlertmanagerTarget) -> None:
        self.target = target

    def describe(self) -> str:
        return f"alertmanager {where(self.target.url.get_secret_value())}"

    async def send(self, payload: Mapping[str, Any], dedup_key: str) -> Delivery:
        url = self.target.url.get_secret_value().rstrip("/") + "/api/v2/alerts"
        return await post_json(url, alertmanager_alerts(payload), timeout=self.target.timeout)
