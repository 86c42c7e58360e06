"""Cost errors (listed in the tree of ``warden.errors``' docstring as ``(warden.cost)``).

CostError          the cost data cannot be read, written or queried
└── CostInputError an export is not usable: missing FOCUS columns, bad rows (each as
                   file:row:column), an unreadable file or bucket
"""

from __future__ import annotations

from warden.errors import WardenError


class CostError(WardenError):
    """The cost data cannot be read, written or queried."""


class CostInputError(CostError):
    """An export is not usable; ``problems`` lists each one (file:row:column: why)."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or []
        super().__init__(message)
