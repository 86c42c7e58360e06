"""The OpenAPI 3.0 document of ``/api/v1`` (served at ``/api/v1/openapi.json``).

Written out by hand next to the handlers in api.py; the schemathesis test in tests/web
checks that the API keeps to it (no 5xx for any input the document allows or forbids).
"""

from __future__ import annotations

from typing import Any

_ERROR = {
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
_NUM = {"type": "number", "nullable": True}
_STATE = {"type": "string", "enum": ["up", "degraded", "down", "unknown"]}
_MONITOR = {
    "type": "object",
    "required": ["name", "type", "group", "state"],
    "properties": {
        "name": {"type": "string"},
        "type": {"type": "string"},
        "group": {"type": "string"},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "target": {"type": "string", "description": "Credentials redacted."},
        "interval": {"type": "number"},
        "state": _STATE,
        "since": _NUM,
        "last_check": _NUM,
        "latency": _NUM,
        "error": {"type": "string"},
        "message": {"type": "string"},
        "uptime": {"type": "object", "additionalProperties": _NUM},
        "sparkline": {"type": "array", "items": {"type": "array", "items": {"type": "number"}}},
    },
}
_RESULT = {
    "type": "object",
    "properties": {
        "monitor": {"type": "string"},
        "status": {"type": "string", "enum": ["up", "degraded", "down"]},
        "latency": {"type": "number"},
        "time": {"type": "number"},
        "message": {"type": "string"},
        "error": {"type": "string"},
        "phases": {"type": "object", "additionalProperties": {"type": "number"}},
        "metrics": {"type": "object", "additionalProperties": {"type": "number"}},
        "attempt": {"type": "integer"},
    },
}
_TOKEN = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "user": {"type": "string"},
        "name": {"type": "string"},
        "role": {"type": "string"},
        "created_at": {"type": "number"},
        "expires_at": _NUM,
    },
}


def _q(name: str, schema: dict[str, Any], text: str, required: bool = False) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "schema": schema,
        "description": text,
    }


_NAME = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
_SINCE = _q("since", {"type": "number", "minimum": 0, "maximum": 1e11}, "Epoch seconds.")
_UNTIL = _q("until", {"type": "number", "minimum": 0, "maximum": 1e11}, "Epoch seconds (now).")


def _limit(default: int, hi: int) -> dict[str, Any]:
    schema = {"type": "integer", "minimum": 1, "maximum": hi, "default": default}
    return _q("limit", schema, "Rows at most.")


_WHY = {
    "400": "Invalid input.",
    "401": "Not authenticated.",
    "403": "Role too weak or CSRF token missing.",
    "404": "No such monitor or object.",
    "409": "Conflicts with the current state.",
    "413": "Body too large.",
    "415": "The body is not JSON.",
}


def _ok(
    schema: dict[str, Any], status: str = "200", text: str = "OK", more: tuple[str, ...] = ()
) -> dict[str, Any]:
    errors = {
        code: {"description": _WHY[code], "content": {"application/json": {"schema": _ERROR}}}
        for code in ("400", "401", "403", "404", *more)
    }
    return {
        status: {"description": text, "content": {"application/json": {"schema": schema}}},
        **errors,
    }


def _op(summary: str, params: list[dict[str, Any]], schema: dict[str, Any], **extra: Any) -> Any:
    return {"summary": summary, "parameters": params, "responses": _ok(schema), **extra}


def _obj(**props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props}


def openapi_document() -> dict[str, Any]:
    label = _q("label", {"type": "array", "items": {"type": "string"}}, "key=value, repeatable.")
    label["style"], label["explode"] = "form", True
    body_token = _obj(
        name={"type": "string", "minLength": 1, "maxLength": 100},
        role={"type": "string", "enum": ["viewer", "operator", "admin"]},
        ttl_seconds={"type": "number", "minimum": 60, "maximum": 1e9},
    )
    body_token["required"] = ["name"]
    body_user = _obj(
        name={"type": "string", "minLength": 1, "maxLength": 100},
        password={"type": "string", "minLength": 8},
        role={"type": "string", "enum": ["viewer", "operator", "admin"]},
    )
    body_user["required"] = ["name", "password", "role"]
    paths: dict[str, Any] = {
        "/api/v1/status": {"get": _op("Counts by state and engine figures", [], _obj())},
        "/api/v1/me": {"get": _op("Who the caller is", [], _obj(user={"type": "string"}))},
        "/api/v1/monitors": {
            "get": _op(
                "Monitors, worst state first, with uptime over 24h, 7d and 30d",
                [
                    _q("group", {"type": "string"}, "Only this group."),
                    label,
                    _q("state", _STATE, "Only this state."),
                    _q("q", {"type": "string"}, "Name contains this."),
                    _q("offset", {"type": "integer", "minimum": 0, "maximum": 10**9}, "Skip."),
                    _limit(100, 1000),
                    _q("sparkline", {"type": "boolean"}, "Add hourly mean latency, 24h."),
                ],
                _obj(total={"type": "integer"}, monitors={"type": "array", "items": _MONITOR}),
            )
        },
        "/api/v1/monitors/{name}": {"get": _op("One monitor, config redacted", [_NAME], _MONITOR)},
        "/api/v1/monitors/{name}/results": {
            "get": _op(
                "Raw results, newest first",
                [_NAME, _SINCE, _UNTIL, _limit(100, 5000)],
                _obj(results={"type": "array", "items": _RESULT}),
            )
        },
        "/api/v1/monitors/{name}/latency": {
            "get": _op(
                "p50/p95/p99 and mean phases per step",
                [
                    _NAME,
                    _SINCE,
                    _UNTIL,
                    _q("step", {"type": "integer", "minimum": 60, "maximum": 86400}, "Seconds."),
                ],
                _obj(points={"type": "array", "items": _obj()}),
            )
        },
        "/api/v1/monitors/{name}/uptime": {
            "get": _op(
                "Uptime per UTC day, oldest first",
                [_NAME, _q("days", {"type": "integer", "minimum": 1, "maximum": 400}, "Days.")],
                _obj(days={"type": "array", "items": _obj()}),
            )
        },
        "/api/v1/monitors/{name}/history": {
            "get": _op(
                "Runs of equal status and recent failures",
                [_NAME, _SINCE, _UNTIL, _limit(50, 1000)],
                _obj(runs={"type": "array"}, failures={"type": "array"}),
            )
        },
        "/api/v1/monitors/{name}/check": {
            "post": {
                "summary": "Run the check now (operator)",
                "parameters": [_NAME],
                "responses": _ok(_obj(result=_RESULT), more=("409",)),
            }
        },
        "/api/v1/metrics": {"get": _op("Metric series known", [], _obj(series={"type": "array"}))},
        "/api/v1/metrics/query": {
            "get": _op(
                "Points of the series with this name (and labels)",
                [
                    _q("name", {"type": "string", "minLength": 1}, "Series name.", True),
                    label,
                    _SINCE,
                    _UNTIL,
                ],
                _obj(series={"type": "array"}),
            )
        },
        "/api/v1/tokens": {
            "get": _op(
                "API tokens (yours; all for admins)",
                [],
                _obj(tokens={"type": "array", "items": _TOKEN}),
            ),
            "post": {
                "summary": "Create an API token (shown once)",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": body_token}},
                },
                "responses": _ok(
                    _obj(token={"type": "string"}, info=_TOKEN), "201", "Created", ("413", "415")
                ),
            },
        },
        "/api/v1/tokens/{token_id}": {
            "delete": {
                "summary": "Revoke an API token",
                "parameters": [
                    {
                        "name": "token_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                    }
                ],
                "responses": {
                    "204": {"description": "Revoked"},
                    **{k: v for k, v in _ok(_obj()).items() if k != "200"},
                },
            }
        },
        "/api/v1/users": {
            "get": _op("Users (admin)", [], _obj(users={"type": "array"})),
            "post": {
                "summary": "Create a user (admin)",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": body_user}},
                },
                "responses": _ok(
                    _obj(name={"type": "string"}), "201", "Created", ("409", "413", "415")
                ),
            },
        },
    }
    paths.update(_alert_paths())
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Warden API",
            "version": "1",
            "description": "Monitors, results, uptime, metrics, tokens and users of one Warden.",
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "warden_session"},
            },
            "schemas": {"Error": _ERROR, "Monitor": _MONITOR, "Result": _RESULT},
        },
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths,
    }


def _alert_paths() -> dict[str, Any]:
    states = {"type": "string", "enum": ["inactive", "pending", "firing", "resolved"]}
    silence = _obj(
        id={"type": "string"},
        matchers={"type": "array", "items": {"type": "string"}},
        starts_at={"type": "number"},
        ends_at={"type": "number"},
        created_by={"type": "string"},
        comment={"type": "string"},
        active={"type": "boolean"},
    )
    body = _obj(
        matchers={"type": "array", "items": {"type": "string"}, "minItems": 1},
        duration_seconds={"type": "number", "minimum": 60, "maximum": 400 * 86400},
        starts_at={"type": "number", "minimum": 0, "maximum": 1e11},
        comment={"type": "string", "maxLength": 1000},
    )
    body["required"] = ["matchers", "duration_seconds"]
    return {
        "/api/v1/alerts": {
            "get": _op(
                "Alert instances (optionally of one state)",
                [_q("state", states, "Only this state.")],
                _obj(alerts={"type": "array", "items": _obj()}),
            )
        },
        "/api/v1/silences": {
            "get": _op(
                "Silences, active or not", [], _obj(silences={"type": "array", "items": silence})
            ),
            "post": {
                "summary": "Create a silence (operator)",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": body}},
                },
                "responses": _ok(silence, "201", "Created", ("413", "415")),
            },
        },
        "/api/v1/silences/{silence_id}": {
            "delete": {
                "summary": "Expire a silence now (operator); a unique id prefix is enough",
                "parameters": [
                    {
                        "name": "silence_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {
                    "204": {"description": "Expired"},
                    **{k: v for k, v in _ok(_obj()).items() if k != "200"},
                },
            }
        },
    }
