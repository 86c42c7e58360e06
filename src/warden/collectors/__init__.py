"""Collectors: one module per ``type:`` of metric source; each registers itself in ``REGISTRY``."""

from __future__ import annotations

from warden.collectors._base import REGISTRY, Collector, CollectorConfig, register
from warden.plugins import load_package


def load_all() -> list[str]:
    """Import every collector module so the registry is complete; returns the module names."""
    return load_package(__name__)


__all__ = ["REGISTRY", "Collector", "CollectorConfig", "load_all", "register"]
