"""The OpenAPI 3.0 document of ``/api/v1`` (served at ``/api/v1/openapi.json``).

Written out by hand next to the handlers in api.py; the schemathesis test in tests/web
checks that the API keeps to it (no 5xx for any input the document allows or forbids).
"""

from __future__ import annotations

from typing import Any

from warden.web import (
    openapi_agents,
    openapi_cost,
    openapi_deploys,
    openapi_diagnose,
    openapi_managed,
    openapi_rum,
)
from warden.web.openapi_parts import ERROR as _ERROR
from warden.web.openapi_parts import NUM as _NUM
from warden.web.openapi_parts import STATE as _STATE

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


def _period() -> list[dict[str, Any]]:
    """``since``/``until``: a duration back from now (2h), an ISO time or epoch seconds."""
    when = {"type": "string", "maxLength": 64}
    return [
        _q("since", when, "From: a duration back from now (2h, 7d), an ISO time or epoch s."),
        _q("until", when, "Until: a duration back from now, an ISO time or epoch seconds."),
    ]


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
    paths.update(_slo_paths())
    paths.update(_traffic_paths())
    paths.update(_incident_paths())
    paths.update(openapi_diagnose.paths())
    paths.update(openapi_deploys.paths())
    paths.update(openapi_rum.paths())
    paths.update(openapi_cost.paths())
    paths.update(openapi_agents.paths())
    openapi_managed.merge(paths)
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
                [_q("state", states, "Only this state."), *_period()],
                _obj(alerts={"type": "array", "items": _obj()}),
            )
        },
        "/api/v1/alerts/{fingerprint}": {
            "get": _op(
                "One alert with its history, runbook, silences and incidents",
                [
                    {
                        "name": "fingerprint",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
                _obj(
                    alert=_obj(),
                    runbook_url={"type": ["string", "null"]},
                    history={"type": "array", "items": _obj()},
                    silences={"type": "array", "items": silence},
                    incidents={"type": "array", "items": _obj()},
                    silence_matchers={"type": "array", "items": {"type": "string"}},
                ),
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


def _incident_paths() -> dict[str, Any]:
    statuses = ["detected", "assessed", "communicated", "mitigated", "resolved", "reviewed"]
    severity = {"type": "string", "enum": ["critical", "high", "medium", "low"]}
    status = {"type": "string", "enum": statuses}
    incident = _obj(
        id={"type": "integer"},
        group_key={"type": "string"},
        title={"type": "string"},
        severity=severity,
        status=status,
        open={"type": "boolean"},
        opened_at={"type": "number"},
        updated_at={"type": "number"},
        resolved_at=_NUM,
        duration=_NUM,
        acked_by={"type": "string", "nullable": True},
        acked_at=_NUM,
        next_statuses={"type": "array", "items": status},
    )
    incident["required"] = ["id", "title", "severity", "status", "open", "opened_at"]
    event = _obj(
        id={"type": "integer"},
        incident_id={"type": "integer"},
        at={"type": "number"},
        kind={"type": "string"},
        author={"type": "string"},
        text={"type": "string"},
        data={"type": "object"},
    )
    event["required"] = ["at", "kind", "author", "text"]
    alert = _obj(
        fingerprint={"type": "string"},
        labels={"type": "object", "additionalProperties": {"type": "string"}},
        first_at={"type": "number"},
        resolved_at=_NUM,
        declared={"type": "boolean"},
    )
    detail = _obj(
        incident=incident,
        monitors={"type": "array", "items": {"type": "string"}},
        alerts={"type": "array", "items": alert},
        timeline={"type": "array", "items": event},
    )
    detail["required"] = ["incident", "monitors", "alerts", "timeline"]
    title = {"type": "string", "minLength": 1, "maxLength": 200}
    note = {"type": "string", "minLength": 1, "maxLength": 10000}
    iid = {
        "name": "incident_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
    }

    def body(schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
        schema["additionalProperties"] = False
        return {"required": required, "content": {"application/json": {"schema": schema}}}

    def write(summary: str, payload: dict[str, Any] | None, status: str = "200") -> Any:
        more = ("409", "413", "415") if payload is not None else ("409",)
        op = {"summary": summary, "parameters": [iid], "responses": _ok(detail, status, more=more)}
        if payload is not None:
            op["requestBody"] = payload
        return op

    declare = _obj(
        title=title,
        severity=severity,
        monitors={"type": "array", "items": {"type": "string"}, "maxItems": 100},
        note=note,
    )
    declare["required"] = ["title", "severity"]
    change = _obj(status=status, severity=severity, title=title, note=note)
    change["minProperties"] = 1
    text = _obj(text=note)
    text["required"] = ["text"]
    pm_json = _obj(incident={"type": "integer"}, impact=_obj(), markdown={"type": "string"})
    pm_responses = _ok(pm_json)
    pm_responses["200"]["content"]["text/markdown"] = {"schema": {"type": "string"}}
    which = {"type": "string", "enum": ["open", "all", *statuses], "default": "open"}
    return {
        "/api/v1/incidents": {
            "get": _op(
                "Incidents, newest first (open ones unless ?status=all or one status)",
                [
                    _q("status", which, "open, all or one status."),
                    _q("severity", severity, "Only this severity."),
                    _limit(100, 1000),
                    *_period(),
                ],
                _obj(incidents={"type": "array", "items": incident}),
            ),
            "post": {
                "summary": "Declare an incident by hand (operator)",
                "requestBody": body(declare),
                "responses": _ok(detail, "201", "Created", ("413", "415")),
            },
        },
        "/api/v1/incidents/{incident_id}": {
            "get": _op("One incident with its monitors, alerts and timeline", [iid], detail),
            "patch": write(
                "Move the status, assess the severity or change the title (operator)",
                body(change),
            ),
        },
        "/api/v1/incidents/{incident_id}/notes": {
            "post": write("Add a note to the timeline (operator)", body(text), "201"),
        },
        "/api/v1/incidents/{incident_id}/ack": {
            "post": write("Acknowledge; a detected incident moves to assessed (operator)", None),
        },
        "/api/v1/incidents/{incident_id}/resolve": {
            "post": write(
                "Resolve, with an optional note (operator)", body(_obj(note=note), False)
            ),
        },
        "/api/v1/incidents/{incident_id}/postmortem": {
            "get": {
                "summary": "The postmortem in Markdown (or JSON), impact measured from the store",
                "parameters": [
                    iid,
                    _q(
                        "format",
                        {"type": "string", "enum": ["markdown", "json"]},
                        "Default markdown.",
                    ),
                ],
                "responses": pm_responses,
            }
        },
    }


def _slo_paths() -> dict[str, Any]:
    slo = _obj(
        name={"type": "string"},
        objective={"type": "number", "description": "Percent of checks that must be good."},
        window={"type": "number", "description": "Seconds."},
        latency={**_NUM, "description": "Latency SLO: seconds a good check may take."},
        histogram={
            "type": "string",
            "nullable": True,
            "description": "Histogram SLO: the stored histogram whose requests are counted.",
        },
        monitors={"type": "array", "items": {"type": "string"}},
        total={"type": "integer"},
        good={"type": "integer"},
        sli={**_NUM, "description": "Percent good over the window."},
        budget_remaining={**_NUM, "description": "Fraction of the error budget left."},
        burn_rates={"type": "object", "additionalProperties": _NUM},
        page={"type": "boolean"},
        ticket={"type": "boolean"},
    )
    slo["required"] = ["name", "objective", "window", "monitors", "total", "good", "burn_rates"]
    point = _obj(
        time={"type": "number"},
        sli=_NUM,
        budget_remaining=_NUM,
        burn_rate=_NUM,
        checks={"type": "integer"},
        bad={"type": "integer"},
    )
    point["required"] = ["time", "sli", "budget_remaining", "burn_rate", "checks", "bad"]
    coverage = _obj(
        **{"from": {"type": "number"}},
        until={"type": "number"},
        first_check=_NUM,
        window_complete={"type": "boolean"},
        source={"type": "string"},
    )
    history = _obj(
        step={"type": "integer"},
        window={"type": "number"},
        budget={"type": "string", "enum": ["rolling"]},
        points={"type": "array", "items": point},
    )
    history["required"] = ["step", "points"]
    detail = _obj(slo=slo, coverage=coverage, history=history)
    detail["required"] = ["slo", "coverage", "history"]
    return {
        "/api/v1/slos": {
            "get": _op(
                "Every SLO with its SLI, error budget and burn rates",
                [],
                _obj(time={"type": "number"}, slos={"type": "array", "items": slo}),
            )
        },
        "/api/v1/slos/{name}": {
            "get": _op(
                "One SLO: status, what the counts cover, error budget and burn rate per step",
                [_NAME],
                detail,
            )
        },
    }


def _traffic_paths() -> dict[str, Any]:
    from warden.traffic.stats import SORTS

    route = _obj(
        service={"type": "string", "nullable": True},
        method={"type": "string"},
        route={"type": "string", "description": "Templated path, e.g. /users/:id."},
        requests={"type": "integer"},
        rate={**_NUM, "description": "Requests per second over the window."},
        errors={"type": "integer", "description": "Server errors (5xx)."},
        error_rate=_NUM,
        status={"type": "object", "nullable": True, "additionalProperties": {"type": "integer"}},
        p50_ms=_NUM,
        p95_ms=_NUM,
        p99_ms=_NUM,
        timed={"type": "integer"},
        bytes_out={"type": "integer", "nullable": True},
    )
    route["required"] = ["method", "route", "requests", "errors", "p95_ms"]
    body = _obj(
        schema={"type": "string", "enum": ["warden.traffic.top/v1"]},
        source={"type": "string"},
        sort={"type": "string"},
        window=_obj(
            **{"from": {"type": "string", "nullable": True}},
            to={"type": "string", "nullable": True},
            seconds={"type": "number"},
        ),
        requests={"type": "integer"},
        errors={"type": "integer"},
        error_rate=_NUM,
        bad_lines={"type": "integer"},
        route_count={"type": "integer"},
        routes={"type": "array", "items": route},
    )
    body["required"] = ["schema", "window", "requests", "routes"]
    params = [
        _q("since", {"type": "number"}, "Epoch seconds (default: an hour before until)."),
        _q("until", {"type": "number"}, "Epoch seconds (default: now)."),
        _q("service", {"type": "string"}, "Only this service."),
        _q("sort", {"type": "string", "enum": list(SORTS)}, "Rank by (default p95)."),
        _q("limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "Routes (default 20)."),
    ]
    return {
        "/api/v1/traffic/top": {
            "get": _op(
                "The slowest and most erroring routes of stored traffic over a window",
                params,
                body,
            )
        }
    }
