"""Web audit: one module per check over a page and the assets it references."""

from __future__ import annotations

from warden.audit._runner import AuditKind
from warden.audit.web._facts import REGISTRY, WebFacts, register
from warden.audit.web._gather import gather

KIND: AuditKind[WebFacts] = AuditKind("web", "web", REGISTRY, gather)

__all__ = ["KIND", "REGISTRY", "WebFacts", "register"]
