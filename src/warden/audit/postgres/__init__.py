"""PostgreSQL audit: one module per check over facts read in one pass over the catalogs."""

from __future__ import annotations

from warden.audit._runner import AuditKind
from warden.audit.postgres._facts import REGISTRY, PostgresFacts, register
from warden.audit.postgres._gather import gather

KIND: AuditKind[PostgresFacts] = AuditKind("postgres", "pg", REGISTRY, gather)

__all__ = ["KIND", "REGISTRY", "PostgresFacts", "register"]
