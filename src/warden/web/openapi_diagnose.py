"""The OpenAPI path of diagnose_api.py (merged by openapi.py): ``warden.diagnose/v1``."""

from __future__ import annotations

from typing import Any

from warden.web.openapi_parts import ERROR as _ERROR
from warden.web.openapi_parts import NUM as _NUM

_TEXTS = {"type": "array", "items": {"type": "string"}}
_CHANGE = {
    "type": "object",
    "required": ["at", "before", "after"],
    "properties": {
        "what": {"type": "string"},
        "at": {"type": "number"},
        "before": {"type": "number"},
        "after": {"type": "number"},
        "relative": {"type": "number"},
        "z": {"type": "number"},
    },
}
_HYPOTHESIS = {
    "type": "object",
    "required": ["cause", "kind", "score", "evidence", "next"],
    "properties": {
        "cause": {"type": "string"},
        "kind": {"type": "string"},
        "score": {"type": "number"},
        "at": _NUM,
        "evidence": _TEXTS,
        "next": _TEXTS,
    },
}
_LEVELS = {
    "type": "object",
    "properties": {"first": {"type": "number"}, "last": {"type": "number"}},
}
_DIAGNOSIS = {
    "type": "object",
    "required": [
        "monitor",
        "type",
        "target",
        "since",
        "until",
        "checks",
        "onset",
        "summary",
        "symptoms",
        "phases",
        "hypotheses",
        "markers",
        "audits",
    ],
    "properties": {
        "monitor": {"type": "string"},
        "type": {"type": "string"},
        "target": {"type": "string", "description": "Credentials redacted."},
        "since": {"type": "number"},
        "until": {"type": "number"},
        "checks": {"type": "integer"},
        "onset": _NUM,
        "summary": {"type": "string"},
        "symptoms": {"type": "array", "items": _CHANGE},
        "phases": {"type": "object", "additionalProperties": _LEVELS},
        "hypotheses": {"type": "array", "maxItems": 10, "items": _HYPOTHESIS},
        "load": {"type": "array", "items": {"type": "object"}},
        "markers": {"type": "array", "maxItems": 20, "items": {"type": "object"}},
        "audits": {"type": "array", "maxItems": 5, "items": {"type": "object"}},
        "next": _TEXTS,
    },
}
_WHY = {
    "400": "Invalid input (a bad time, since after until, a window over 31 days).",
    "401": "Not authenticated.",
    "403": "Role too weak.",
    "404": "No such monitor.",
}


def paths() -> dict[str, Any]:
    def q(name: str, text: str) -> dict[str, Any]:
        schema = {"type": "number", "minimum": 0, "maximum": 1e11}
        return {"name": name, "in": "query", "required": False, "schema": schema,
                "description": text}  # fmt: skip

    monitor = {"name": "monitor", "in": "path", "required": True, "schema": {"type": "string"}}
    errors = {
        code: {"description": why, "content": {"application/json": {"schema": _ERROR}}}
        for code, why in _WHY.items()
    }
    ok = {"description": "OK", "content": {"application/json": {"schema": _DIAGNOSIS}}}
    return {
        "/api/v1/diagnose/{monitor}": {
            "get": {
                "summary": "Why a monitor got slow or started failing: ranked hypotheses with "
                "evidence and next actions (viewer)",
                "parameters": [
                    monitor,
                    q("since", "Epoch seconds (default: 6 hours before until)."),
                    q("until", "Epoch seconds (default: now)."),
                ],
                "responses": {"200": ok, **errors},
            }
        }
    }
