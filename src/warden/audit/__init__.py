"""Audits: findings about a web endpoint, TLS, PostgreSQL, MySQL/MariaDB and Redis.

Each target kind is a subpackage with one module per check; ``audit(kind, target)`` gathers
the target's facts once and runs every check over them. See docs/audit.md.
"""

from __future__ import annotations

import warden.config  # noqa: F401  (first: config.schema imports warden.audit.config)
from warden.audit._base import (
    AuditOptions,
    AuditReport,
    Check,
    Finding,
    Severity,
    new_findings,
)
from warden.audit._runner import KINDS, audit, audit_kind
from warden.audit.config import AuditConfig, run_audit

__all__ = [
    "KINDS",
    "AuditConfig",
    "AuditOptions",
    "AuditReport",
    "Check",
    "Finding",
    "Severity",
    "audit",
    "audit_kind",
    "new_findings",
    "run_audit",
]
