"""The OpenAPI paths of monitors_api.py and users_api.py (merged by openapi.py)."""

from __future__ import annotations

from typing import Any

_ISSUE = {
    "type": "object",
    "required": ["path", "message"],
    "properties": {"path": {"type": "string"}, "message": {"type": "string"}},
}
_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "issues": {"type": "array", "items": _ISSUE},
            },
        }
    },
}
_WHY = {
    "400": "Invalid input.",
    "401": "Not authenticated.",
    "403": "Role too weak or CSRF token missing.",
    "404": "No such object.",
    "409": "Name taken, defined in warden.yaml, or the last admin.",
    "413": "Body too large.",
    "415": "The body is not JSON.",
    "422": "The config models refuse the body; ``issues`` name each key path.",
}
_OBJECT = {
    "type": "object",
    "required": ["kind", "name", "source", "definition"],
    "properties": {
        "kind": {"type": "string", "enum": ["monitors", "maintenance", "status-pages"]},
        "name": {"type": "string"},
        "source": {"type": "string", "enum": ["yaml", "api"]},
        "paused": {"type": "boolean"},
        "definition": {
            "type": "object",
            "nullable": True,
            "description": "The body as given (literal secrets REDACTED); null for YAML.",
        },
        "updated_at": {"type": "number", "nullable": True},
        "updated_by": {"type": "string", "nullable": True},
        "error": {"type": "string"},
    },
}
_NAME = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
_BODY = {
    "required": True,
    "content": {"application/json": {"schema": {"type": "object"}}},
}


def _responses(status: str, schema: dict[str, Any] | None, text: str) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": text}
    if schema is not None:
        ok["content"] = {"application/json": {"schema": schema}}
    errors = {
        code: {"description": why, "content": {"application/json": {"schema": _ERROR}}}
        for code, why in _WHY.items()
    }
    return {status: ok, **errors}


def _op(
    summary: str,
    status: str,
    schema: dict[str, Any] | None,
    *,
    body: bool = False,
    name: bool = True,
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "parameters": [_NAME] if name else [],
        "responses": _responses(status, schema, "OK" if status != "201" else "Created"),
    }
    if body:
        op["requestBody"] = _BODY
    return op


def managed_paths() -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/api/v1/monitors/{name}/definition": {
            "get": _op("A monitor's source and, for API monitors, its definition", "200", _OBJECT)
        },
        "/api/v1/monitors/{name}/pause": {
            "post": _op("Pause a monitor, YAML or API (operator)", "200", _OBJECT)
        },
        "/api/v1/monitors/{name}/resume": {
            "post": _op("Resume a paused monitor (operator)", "200", _OBJECT)
        },
    }
    for kind, label in (
        ("monitors", "monitor"),
        ("maintenance", "maintenance window"),
        ("status-pages", "status page"),
    ):
        base = f"/api/v1/{kind}"
        create = _op(
            f"Create a {label}, validated like warden.yaml (operator)",
            "201",
            _OBJECT,
            body=True,
            name=False,
        )
        paths.setdefault(base, {})["post"] = create
        one = paths.setdefault(f"{base}/{{name}}", {})
        one["put"] = _op(f"Replace an API-managed {label} (operator)", "200", _OBJECT, body=True)
        one["delete"] = _op(f"Delete an API-managed {label} (operator)", "204", None)
        if kind != "monitors":
            key = kind.replace("-", "_")
            listing = {"type": "object", "properties": {key: {"type": "array", "items": _OBJECT}}}
            paths[base]["get"] = _op(f"Every {label}, YAML and API", "200", listing, name=False)
            one["get"] = _op(f"One {label} with its source", "200", _OBJECT)
    role = {
        "type": "object",
        "required": ["role"],
        "properties": {"role": {"type": "string", "enum": ["viewer", "operator", "admin"]}},
    }
    user = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "role": {"type": "string"}},
    }
    paths["/api/v1/users/{name}"] = {"delete": _op("Delete a user (admin)", "204", None)}
    paths["/api/v1/users/{name}/role"] = {
        "put": {
            **_op("Change a user's role (admin; never the last admin)", "200", user),
            "requestBody": {"required": True, "content": {"application/json": {"schema": role}}},
        }
    }
    return paths


def merge(paths: dict[str, Any]) -> None:
    """Add the managed paths to ``paths`` (methods of a shared path are merged)."""
    for path, ops in managed_paths().items():
        paths.setdefault(path, {}).update(ops)
