"""``apprise``: any Apprise URL (Slack, e-mail, Telegram, ntfy, PagerDuty, ...).

Apprise's ``notify`` blocks, so it runs in a thread; its log lines are captured to explain a
failure, with the URL's secrets redacted (``url(privacy=True)``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, ClassVar

import apprise as apprise_lib

from warden.config._types import SecretUrl, redact_url
from warden.notify.channels._base import REGISTRY, Delivery
from warden.notify.payload import render_text
from warden.notify.templates import render


@REGISTRY.register
class AppriseChannel:
    type: ClassVar[str] = "apprise"

    def __init__(
        self, target: SecretUrl, title: str | None = None, body: str | None = None
    ) -> None:
        self.target = target
        self.title_template = title
        self.body_template = body

    def describe(self) -> str:
        return f"apprise {self._private_url()}"

    def _private_url(self) -> str:
        url = self.target.get_secret_value()
        obj = apprise_lib.Apprise.instantiate(url)
        if obj is None:
            return redact_url(url)
        return str(obj.url(privacy=True))  # type: ignore[no-untyped-call]

    async def send(self, payload: Mapping[str, Any], dedup_key: str) -> Delivery:
        title, body = render_text(payload)
        try:
            if self.title_template is not None:
                title = render(self.title_template, payload)
            if self.body_template is not None:
                body = render(self.body_template, payload)
        except ValueError as exc:  # a template that passed the check but fails on real data
            return Delivery(False, str(exc)[:500], retryable=False)
        firing = payload.get("status") == "firing"
        return await asyncio.to_thread(self._notify, title, body, firing)

    def _notify(self, title: str, body: str, firing: bool) -> Delivery:
        url = self.target.get_secret_value()
        client = apprise_lib.Apprise()
        if not client.add(url):
            return Delivery(False, f"not a valid Apprise URL: {redact_url(url)}", retryable=False)
        kind = apprise_lib.NotifyType.FAILURE if firing else apprise_lib.NotifyType.SUCCESS
        with apprise_lib.LogCapture(level=apprise_lib.logging.WARNING) as logs:  # type: ignore[no-untyped-call]
            ok = client.notify(title=title, body=body, notify_type=kind)
            text = logs.getvalue().strip()
        if ok:
            return Delivery(True)
        secret = url
        reason = text.replace(secret, self._private_url()).splitlines()
        return Delivery(False, (reason[-1] if reason else "delivery failed")[:500])
