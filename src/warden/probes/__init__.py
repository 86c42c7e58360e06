"""Probes: one module per ``type:`` of monitor; each registers itself in ``REGISTRY``."""

from __future__ import annotations

from warden.plugins import load_package
from warden.probes._base import REGISTRY, HeartbeatBook, Probe, ProbeConfig, ProbeDeps, register


def load_all() -> list[str]:
    """Import every probe module so the registry is complete; returns the module names."""
    return load_package(__name__)


__all__ = ["REGISTRY", "HeartbeatBook", "Probe", "ProbeConfig", "ProbeDeps", "load_all", "register"]
