"""Notification channels, one module each, registered by type (apprise, webhook, alertmanager)."""

from __future__ import annotations

from warden.notify.channels._base import REGISTRY, Channel, Delivery
from warden.plugins import load_package


def load_all() -> list[str]:
    return load_package(__name__)


__all__ = ["REGISTRY", "Channel", "Delivery", "load_all"]
