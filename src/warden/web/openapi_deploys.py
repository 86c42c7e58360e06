"""The OpenAPI paths of deploys_api.py and gameday_pages.py (merged by openapi.py): deploy
markers (``GET``/``POST /api/v1/deploys``) and game-day runs (``GET /api/v1/gamedays``)."""

from __future__ import annotations

from typing import Any

from warden.web.openapi_parts import ERROR as _ERROR
from warden.web.openapi_parts import NUM as _NUM

_TEXT = {"type": "string", "nullable": True}
_TEXTS = {"type": "array", "items": {"type": "string"}}
_MARKER = {
    "type": "object",
    "required": ["id", "service", "version", "kind", "at", "author", "message"],
    "properties": {
        "id": {"type": "integer"},
        "service": {"type": "string"},
        "version": {"type": "string"},
        "kind": {"type": "string", "enum": ["deploy", "rollback", "config_reload"]},
        "at": {"type": "number"},
        "author": {"type": "string"},
        "message": {"type": "string"},
    },
}
_FREEZE = {
    "type": "object",
    "required": ["name", "until", "description"],
    "properties": {
        "name": {"type": "string"},
        "until": {**_NUM, "description": "When the open window closes (epoch seconds)."},
        "description": {"type": "string"},
    },
}
_NEW_MARKER = {
    "type": "object",
    "required": ["service"],
    "additionalProperties": False,
    "properties": {
        "service": {"type": "string", "minLength": 1, "maxLength": 200},
        "version": {"type": "string", "maxLength": 200},
        "message": {"type": "string", "description": "Kept to 2000 characters."},
        "fail_on_freeze": {
            "type": "boolean",
            "description": "Answer 409 (and record nothing) while a freeze window is open.",
        },
    },
}


def _line(kind: str, required: list[str], **props: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["kind", *required, "passed"],
        "properties": {"kind": {"type": "string", "enum": [kind]}, **props,
                       "passed": {"type": "boolean"}},
    }  # fmt: skip


_LINE = {
    "oneOf": [
        _line(
            "fire",
            ["alert", "fired", "time_to_detect", "within"],
            alert={"type": "string"},
            labels={"type": "object", "additionalProperties": {"type": "string"}},
            fired={"type": "boolean"},
            time_to_detect=_NUM,
            within={"type": "number"},
            severity=_TEXT,
            severity_expected=_TEXT,
            runbook=_TEXT,
            time_to_acknowledge=_NUM,
        ),
        _line(
            "not_fire",
            ["alert", "fired"],
            alert={"type": "string"},
            fired={"type": "boolean"},
            labels={
                "type": "array",
                "items": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        ),
        _line(
            "recover",
            ["monitor", "time_to_recover", "within"],
            monitor={"type": "string"},
            time_to_recover=_NUM,
            within={"type": "number"},
        ),
    ]
}
_RUN = {
    "type": "object",
    "description": "One run's scorecard (schema warden.gameday/v1), with its store id; "
    "runs stored by older versions may lack the lines' labels.",
    "required": ["id", "plan", "passed", "score", "started", "finished", "lines"],
    "properties": {
        "id": {"type": "integer"},
        "plan": {"type": "string"},
        "passed": {"type": "boolean"},
        "score": {"type": "integer", "minimum": 0, "maximum": 100},
        "started": {"type": "number"},
        "injected_at": {"type": "number"},
        "reverted_at": {"type": "number"},
        "finished": {"type": "number"},
        "time_to_detect": _NUM,
        "time_to_acknowledge": _NUM,
        "time_to_recover": _NUM,
        "runbooks_linked": {"type": "boolean"},
        "faults": _TEXTS,
        "revert_errors": _TEXTS,
        "lines": {"type": "array", "items": _LINE},
    },
}
_WHY = {
    "400": "Invalid input (a bad time, since after until, a bad limit or body field).",
    "401": "Not authenticated.",
    "403": "Role too weak or CSRF token missing.",
    "409": "A deploy freeze window is open for the service and fail_on_freeze is true.",
    "413": "Body too large.",
    "415": "The body is not JSON.",
}


def _responses(status: str, schema: dict[str, Any], *codes: str) -> dict[str, Any]:
    errors = {
        code: {"description": _WHY[code], "content": {"application/json": {"schema": _ERROR}}}
        for code in ("400", "401", "403", *codes)
    }
    text = "Created" if status == "201" else "OK"
    return {status: {"description": text, "content": {"application/json": {"schema": schema}}},
            **errors}  # fmt: skip


def paths() -> dict[str, Any]:
    def q(name: str, schema: dict[str, Any], text: str) -> dict[str, Any]:
        return {"name": name, "in": "query", "required": False, "schema": schema,
                "description": text}  # fmt: skip

    when = {"type": "number", "minimum": 0, "maximum": 1e11}
    listed = {
        "type": "object",
        "required": ["markers"],
        "properties": {"markers": {"type": "array", "maxItems": 500, "items": _MARKER}},
    }
    made = {
        "type": "object",
        "required": ["marker", "freezes"],
        "properties": {"marker": _MARKER, "freezes": {"type": "array", "items": _FREEZE}},
    }
    runs = {
        "type": "object",
        "required": ["runs"],
        "properties": {"runs": {"type": "array", "maxItems": 200, "items": _RUN}},
    }
    limit = {"type": "integer", "minimum": 1, "maximum": 200, "default": 20}
    return {
        "/api/v1/deploys": {
            "get": {
                "summary": "Deploy markers in a window, oldest first (viewer)",
                "parameters": [
                    q("since", when, "Epoch seconds (default: 7 days before until)."),
                    q("until", when, "Epoch seconds (default: now)."),
                    q("service", {"type": "string"}, "Only this service."),
                ],
                "responses": _responses("200", listed),
            },
            "post": {
                "summary": "Record a deploy marker, as CI does when a version goes out; the "
                "author is the caller (operator)",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _NEW_MARKER}},
                },
                "responses": _responses("201", made, "409", "413", "415"),
            },
        },
        "/api/v1/gamedays": {
            "get": {
                "summary": "Game-day runs with their scorecards, newest first (viewer)",
                "parameters": [q("limit", limit, "Runs at most.")],
                "responses": _responses("200", runs),
            }
        },
    }
