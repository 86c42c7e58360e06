"""Schema pieces every part of the OpenAPI document uses: the error body and nullable values."""

from __future__ import annotations

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        }
    },
}
"""The body of every 4xx/5xx answer: ``{"error": {"code", "message"}}``."""
NUM = {"type": "number", "nullable": True}
STATE = {"type": "string", "enum": ["up", "degraded", "down", "unknown"]}
"""A monitor's state."""
