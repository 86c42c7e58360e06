"""Capacity: forecasts of when each sampled resource reaches its limit (``warden capacity``),
the samples and built-in rules that warn before it does, and the dashboard's charts of them.

``warden.config`` is imported first: its schema embeds ``capacity.config``.
"""

from __future__ import annotations

import warden.config  # noqa: F401  (import order: see the docstring)
