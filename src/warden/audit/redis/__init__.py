"""Redis audit: one module per check over INFO, CONFIG values and the slow log."""

from __future__ import annotations

from warden.audit._runner import AuditKind
from warden.audit.redis._facts import REGISTRY, RedisFacts, register
from warden.audit.redis._gather import gather

KIND: AuditKind[RedisFacts] = AuditKind("redis", "redis", REGISTRY, gather)

__all__ = ["KIND", "REGISTRY", "RedisFacts", "register"]
