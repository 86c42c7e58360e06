"""Routine reports and the documents behind them; ``runbooks/`` holds the shipped runbooks.

``warden.config`` is imported first: its schema embeds ``reports.config``.
"""

from __future__ import annotations

import warden.config  # noqa: F401  (import order: see the docstring)
