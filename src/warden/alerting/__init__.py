"""Alerting: rules over check results and samples, the alert state machine, routing, SLOs.

``warden.config`` is imported first so that its schema (which embeds this package's config
models) is built before any module here asks for ``warden.config._base``.
"""

from __future__ import annotations

import warden.config  # noqa: F401  (import order: see the docstring)
