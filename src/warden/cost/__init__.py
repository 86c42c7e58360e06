"""Cost: FOCUS exports ingested into columnar files (``warden cost ingest``), spend by month,
service, region and tag with budgets and a forecast, day-level anomalies as alerts,
right-sizing, waste and commitments, and the cost audit (``warden cost report``, the
``/cost`` page, ``/api/v1/cost/report`` and the MCP tools).

``warden.config`` is imported first: its schema embeds ``cost.config``.
"""

from __future__ import annotations

import warden.config  # noqa: F401  (import order: see the docstring)
