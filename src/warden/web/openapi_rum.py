"""The OpenAPI paths of rum_api.py and browser_api.py (merged by openapi.py): the RUM report
``warden.rum/v1`` and the screenshots of failed ``browser`` checks. The public beacon
(``POST /rum/{site}``) and ``/rum.js`` are outside ``/api/v1`` and not described."""

from __future__ import annotations

from typing import Any

from warden.rum.vitals import VITALS
from warden.web.openapi_parts import ERROR as _ERROR

_SHARE = {"type": "number", "minimum": 0, "maximum": 1}
_STATS = {
    "type": "object",
    "nullable": True,
    "description": "null: no view reported this vital.",
    "required": ["p75", "rating", "count", "good", "needs_improvement", "poor"],
    "properties": {
        "p75": {"type": "number", "description": "Seconds; CLS a score."},
        "rating": {"type": "string", "enum": ["good", "needs-improvement", "poor"]},
        "count": {"type": "integer"},
        "good": _SHARE,
        "needs_improvement": _SHARE,
        "poor": _SHARE,
    },
}
_VITALS = {v.key: _STATS for v in VITALS}


def _row(*keys: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": [*keys, "views", *_VITALS],
        "properties": {**{k: {"type": "string"} for k in keys}, "views": {"type": "integer"},
                       **_VITALS},
    }  # fmt: skip


_POINTS = {"type": "array", "items": {"type": "number", "nullable": True}}
_REPORT_KEYS = {
    "schema": {"type": "string", "enum": ["warden.rum/v1"]},
    "site": {"type": "string", "nullable": True, "description": "null: no RUM site."},
    "sites": {"type": "array", "items": {"type": "string"}},
    "window": {
        "type": "object",
        "required": ["since", "until", "seconds"],
        "properties": {
            "since": {"type": "number"},
            "until": {"type": "number"},
            "seconds": {"type": "number"},
        },
    },
    "vitals": {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["key", "name", "unit", "good", "poor"],
            "properties": {
                "key": {"type": "string", "enum": list(_VITALS)},
                "name": {"type": "string"},
                "unit": {"type": "string"},
                "good": {"type": "number"},
                "poor": {"type": "number"},
            },
        },
    },
    "overall": {"type": "array", "items": _row("device")},
    "pages": {"type": "array", "maxItems": 200, "items": _row("page", "device")},
    "more_pages": {"type": "integer", "minimum": 0},
    "series": {
        "type": "object",
        "required": ["step", "times", "devices"],
        "properties": {
            "step": {"type": "integer"},
            "times": {"type": "array", "items": {"type": "number"}},
            "devices": {
                "type": "object",
                "description": "Per device class (and all): the p75 of each vital per step.",
                "additionalProperties": {
                    "type": "object",
                    "required": list(_VITALS),
                    "properties": dict.fromkeys(_VITALS, _POINTS),
                },
            },
        },
    },
}
_REPORT = {"type": "object", "required": list(_REPORT_KEYS), "properties": _REPORT_KEYS}
_SHOTS = {
    "type": "object",
    "required": ["monitor", "screenshots"],
    "properties": {
        "monitor": {"type": "string"},
        "screenshots": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "time", "status", "bytes", "url"],
                "properties": {
                    "name": {"type": "string"},
                    "time": {"type": "number"},
                    "status": {"type": "string", "enum": ["degraded", "down"]},
                    "bytes": {"type": "integer"},
                    "url": {"type": "string"},
                },
            },
        },
    },
}
_WHY = {
    "400": "Invalid input (a bad time, since after until, a window over 400 days).",
    "401": "Not authenticated.",
    "403": "Role too weak.",
    "404": "No such RUM site, browser monitor or screenshot.",
}


def _errors(*codes: str) -> dict[str, Any]:
    return {
        code: {"description": _WHY[code], "content": {"application/json": {"schema": _ERROR}}}
        for code in codes
    }


def paths() -> dict[str, Any]:
    def q(name: str, schema: dict[str, Any], text: str) -> dict[str, Any]:
        return {"name": name, "in": "query", "required": False, "schema": schema,
                "description": text}  # fmt: skip

    def p(name: str) -> dict[str, Any]:
        return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}

    when = {"type": "number", "minimum": 0, "maximum": 1e11}
    ok = {"description": "OK", "content": {"application/json": {"schema": _REPORT}}}
    shots = {"description": "OK", "content": {"application/json": {"schema": _SHOTS}}}
    jpeg = {
        "description": "The JPEG",
        "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
    }
    return {
        "/api/v1/rum": {
            "get": {
                "summary": "Real-user monitoring: p75 of each web vital per page and device, "
                "and over time (viewer)",
                "parameters": [
                    q("site", {"type": "string"}, "The RUM site (default: the first)."),
                    q("since", when, "Epoch seconds (default: 24 hours before until)."),
                    q("until", when, "Epoch seconds (default: now)."),
                ],
                "responses": {"200": ok, **_errors("400", "401", "403", "404")},
            }
        },
        "/api/v1/monitors/{name}/screenshots": {
            "get": {
                "summary": "Screenshots of a browser monitor's failed checks, newest first "
                "(viewer)",
                "parameters": [p("name")],
                "responses": {"200": shots, **_errors("401", "403", "404")},
            }
        },
        "/api/v1/monitors/{name}/screenshots/{file}": {
            "get": {
                "summary": "One screenshot (viewer)",
                "parameters": [p("name"), p("file")],
                "responses": {"200": jpeg, **_errors("401", "403", "404")},
            }
        },
    }
