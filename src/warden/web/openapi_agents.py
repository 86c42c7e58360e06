"""The OpenAPI paths of agents_api.py (merged by openapi.py): probe agents and their locations
for users, and the assignment and result batches of the agents themselves (agent tokens)."""

from __future__ import annotations

from typing import Any

from warden.web.openapi_parts import ERROR as _ERROR
from warden.web.openapi_parts import NUM as _NUM
from warden.web.openapi_parts import STATE as _STATE

_AGENT_KEYS = {
    "location": {"type": "string"},
    "monitor": {"type": "string", "description": "The heartbeat monitor agent-<location>."},
    "silent": {"type": "boolean"},
    "last_seen": _NUM,
    "last_push": _NUM,
    "clock_offset_ms": _NUM,
    "rtt_ms": _NUM,
    "address": {"type": "string"},
    "version": {"type": "string"},
    "buffered_batches": {"type": "integer"},
    "batches": {"type": "integer"},
    "results": {"type": "integer"},
    "monitors": {"type": "array", "items": {"type": "string"}},
}
_AGENT = {"type": "object", "required": list(_AGENT_KEYS), "properties": _AGENT_KEYS}
_AGENTS = {
    "type": "object",
    "required": ["silent_after_s", "agents"],
    "properties": {
        "silent_after_s": {"type": "number"},
        "agents": {"type": "array", "items": _AGENT},
    },
}
_LOCATION_KEYS = {
    "location": {"type": "string"},
    "state": _STATE,
    "latency_ms": _NUM,
    "checked_at": _NUM,
    "message": {"type": "string"},
    "error": {"type": "string"},
    "why_unknown": {"type": "string", "nullable": True},
}
_LOCATION = {"type": "object", "required": list(_LOCATION_KEYS), "properties": _LOCATION_KEYS}
_VERDICT = {
    "type": "object",
    "required": ["monitor", "quorum", "required", "state", "down", "known", "locations"],
    "properties": {
        "monitor": {"type": "string"},
        "quorum": {
            "oneOf": [
                {"type": "string", "enum": ["any", "majority", "all"]},
                {"type": "integer", "minimum": 1},
            ]
        },
        "required": {"type": "integer", "description": "Down votes needed."},
        "state": _STATE,
        "down": {"type": "integer"},
        "known": {"type": "integer"},
        "locations": {"type": "array", "items": _LOCATION},
    },
}
_ASSIGNMENT = {
    "type": "object",
    "required": ["location", "server_time", "etag", "monitors"],
    "properties": {
        "location": {"type": "string"},
        "server_time": {"type": "number"},
        "etag": {"type": "string"},
        "monitors": {
            "type": "array",
            "description": "The location's monitors as in warden.yaml (secrets included).",
            "items": {
                "type": "object",
                "required": ["name"],
                "properties": {"name": {"type": "string"}},
            },
        },
    },
}
_BATCH = {
    "type": "object",
    "required": ["batch", "results"],
    "properties": {
        "batch": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"},
        "results": {"type": "array", "items": {"type": "object"}},
    },
}
_STORED = {
    "type": "object",
    "required": ["accepted", "duplicate", "ignored", "server_time", "assignment"],
    "properties": {
        "accepted": {"type": "integer", "description": "Results stored."},
        "duplicate": {"type": "boolean", "description": "This batch id was stored before."},
        "ignored": {"type": "integer", "description": "Results of monitors not assigned."},
        "server_time": {"type": "number"},
        "assignment": {"type": "string", "description": "The etag of the current assignment."},
    },
}
_WHY = {
    "400": "Invalid input.",
    "401": "Not authenticated; for /agent/*: no agent token (a user token is refused).",
    "403": "Role too weak; for /agent/*: the token is for another location.",
    "404": "No such monitor, or it has no locations.",
    "413": "Batch too large.",
    "503": "The store is busy; try again (Retry-After).",
}


def _responses(schema: dict[str, Any], *codes: str) -> dict[str, Any]:
    errors = {
        code: {"description": _WHY[code], "content": {"application/json": {"schema": _ERROR}}}
        for code in codes
    }
    return {"200": {"description": "OK", "content": {"application/json": {"schema": schema}}},
            **errors}  # fmt: skip


def paths() -> dict[str, Any]:
    def header(name: str, text: str) -> dict[str, Any]:
        schema = {"type": "number", "minimum": -86400, "maximum": 86400}
        return {"name": name, "in": "header", "required": False, "schema": schema,
                "description": text}  # fmt: skip

    location = {
        "name": "X-Warden-Location",
        "in": "header",
        "required": False,
        "schema": {"type": "string"},
        "description": "The agent's location; 403 when the token is for another one.",
    }
    agent: dict[str, Any] = {"security": [{"bearer": []}]}
    name = {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "/api/v1/agents": {
            "get": {
                "summary": "Every location's agent: heard from when, clock offset, buffered "
                "batches (viewer)",
                "responses": _responses(_AGENTS, "401", "403"),
            }
        },
        "/api/v1/agents/monitors/{name}": {
            "get": {
                "summary": "A monitor's state and latency per location, and the quorum's "
                "verdict (viewer)",
                "parameters": [name],
                "responses": _responses(_VERDICT, "401", "403", "404"),
            }
        },
        "/api/v1/agent/assignment": {
            "get": {
                "summary": "The monitors of the agent's location, with the server's time "
                "(agent token only)",
                **agent,
                "parameters": [location],
                "responses": _responses(_ASSIGNMENT, "401", "403", "503"),
            }
        },
        "/api/v1/agent/results": {
            "post": {
                "summary": "A batch of results, idempotent by batch id; the body may be gzip "
                "(Content-Encoding: gzip) (agent token only)",
                **agent,
                "parameters": [
                    location,
                    header("X-Warden-Rtt", "The agent's last round-trip time, seconds."),
                    header("X-Warden-Buffered", "Batches the agent holds, not yet sent."),
                    header("X-Warden-Clock-Offset", "The agent's clock minus the server's, s."),
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _BATCH}},
                },
                "responses": _responses(_STORED, "400", "401", "403", "413", "503"),
            }
        },
    }
