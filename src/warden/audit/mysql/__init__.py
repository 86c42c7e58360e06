"""MySQL/MariaDB audit: one module per check over counters, digests and the index catalog."""

from __future__ import annotations

from warden.audit._runner import AuditKind
from warden.audit.mysql._facts import REGISTRY, MySqlFacts, register
from warden.audit.mysql._gather import gather

KIND: AuditKind[MySqlFacts] = AuditKind("mysql", "mysql", REGISTRY, gather)

__all__ = ["KIND", "REGISTRY", "MySqlFacts", "register"]
