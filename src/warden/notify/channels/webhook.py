"""``webhook``: POST the Alertmanager webhook payload (v4) as JSON to a URL."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from warden.alerting.config import WebhookTarget
from warden.notify.channels._base import REGISTRY, Delivery
from warden.notify.channels._http import post_json, where


@REGISTRY.register
class WebhookChannel:
    type: ClassVar[str] = "webhook"

    def __init__(self, target: WebhookTarget) -> None:
        self.target = target

    def describe(self) -> str:
        return f"webhook {where(self.target.url.get_secret_value())}"

    async def send(self, payload: Mapping[str, Any], dedup_key: str) -> Delivery:
        body = dict(payload)
        limit = self.target.max_alerts
        if limit and len(body["alerts"]) > limit:
            body["truncatedAlerts"] = body.get("truncatedAlerts", 0) + len(body["alerts"]) - limit
            body["alerts"] = body["alerts"][:limit]
        delivery = await post_json(
            self.target.url.get_secret_value(),
            body,
            timeout=self.target.timeout,
            headers={"X-Warden-Dedup-Key": dedup_key},
        )
        return delivery
