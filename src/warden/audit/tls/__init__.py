"""TLS audit: one module per check over a few handshakes with the endpoint."""

from __future__ import annotations

from warden.audit._runner import AuditKind
from warden.audit.tls._facts import REGISTRY, TlsFacts, register
from warden.audit.tls._gather import gather

KIND: AuditKind[TlsFacts] = AuditKind("tls", "tls", REGISTRY, gather)

__all__ = ["KIND", "REGISTRY", "TlsFacts", "register"]
