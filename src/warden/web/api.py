"""The REST API under ``/api/v1`` (described by ``/api/v1/openapi.json``, see openapi.py).

Reads need the viewer role, running checks the operator role, managing users the admin role.
Every error is ``{"error": {"code": ..., "message": ...}}`` with a 4xx/5xx status.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from warden.config.schema import MonitorBase
from warden.report.jsonout import to_jsonable
from warden.store import queries
from warden.web import views
from warden.web.context import Web, bad, json, param, time_range
from warden.web.openapi import openapi_document
from warden.web.users import Role, UserError

MAX_BODY = 64 * 1024
MAX_ID = 2**31 - 1


def api_routes(web: Web) -> list[BaseRoute]:
    guard = web.auth.guard

    async def _monitor(request: Request) -> MonitorBase:
        name = request.path_params["name"]
        try:
            return web.app.config.monitor(name)
        except KeyError:
            raise HTTPException(404, f"no monitor named {name!r}") from None

    async def _mid(name: str) -> int | None:
        return (await web.monitor_ids([name])).get(name)

    @guard(Role.VIEWER)
    async def openapi(_: Request) -> Response:
        return json(openapi_document())

    @guard(Role.VIEWER)
    async def status(_: Request) -> Response:
        return json(views.summary(web))

    @guard(Role.VIEWER)
    async def me(request: Request) -> Response:
        who = request.state.principal
        return json({"user": who.user, "role": who.role.label, "via": who.via})

    @guard(Role.VIEWER)
    async def monitors(request: Request) -> Response:
        filters = views.Filters.parse(request.query_params)
        offset = param(request, "offset", int, 0, 0, 10**9)
        limit = param(request, "limit", int, 100, 1, 1000)
        spark = param(request, "sparkline", boolean, False)
        return json(await views.overview(web, filters, offset, limit, spark))

    @guard(Role.VIEWER)
    async def monitor(request: Request) -> Response:
        m = await _monitor(request)
        state = web.app.tracker.get(m.name)
        row = views.monitor_base(m, state)
        mid = await _mid(m.name)
        now = web.now()
        ratios = await views.window_ratios(web, [mid]) if mid is not None else {}
        row["uptime"] = ratios.get(mid) if mid is not None else None
        row["uptime"] = row["uptime"] or dict.fromkeys(views.WINDOWS)
        last = web.last.by_monitor.get(m.name)
        metrics = dict(last.metrics) if last is not None else {}
        if not metrics and mid is not None:
            metrics = await asyncio.to_thread(queries.latest_metrics, web.engine, mid, now - 86400)
        row["metrics"] = metrics
        row["cert_days_left"] = metrics.get("cert_days_left")
        row["config"] = to_jsonable(m.probe_config())
        row["timeout"] = m.timeout
        row["retries"] = m.retries
        return json(row)

    @guard(Role.VIEWER)
    async def results(request: Request) -> Response:
        m = await _monitor(request)
        since, until = time_range(request, web.now(), 86400)
        limit = param(request, "limit", int, 100, 1, 5000)
        got = await asyncio.to_thread(web.app.store.results, m.name, since, until, limit)
        return json({"monitor": m.name, "results": got})

    @guard(Role.VIEWER)
    async def latency(request: Request) -> Response:
        m = await _monitor(request)
        since, until = time_range(request, web.now(), 86400)
        default_step = max(60, int((until - since) / 300) // 60 * 60)
        step = param(request, "step", int, default_step, 60, 86400)
        if (until - since) / step > 5000:
            raise bad("at most 5000 points: use a larger step")
        mid = await _mid(m.name)
        points = (
            await asyncio.to_thread(queries.latency_series, web.engine, mid, since, until, step)
            if mid is not None
            else []
        )
        return json({"monitor": m.name, "step": step, "points": points})

    @guard(Role.VIEWER)
    async def uptime(request: Request) -> Response:
        m = await _monitor(request)
        days = param(request, "days", int, 30, 1, 400)
        got = await views.uptime_days(web, [m.name], days)
        return json({"monitor": m.name, "days": got[m.name]})

    @guard(Role.VIEWER)
    async def history(request: Request) -> Response:
        m = await _monitor(request)
        since, until = time_range(request, web.now(), 7 * 86400)
        limit = param(request, "limit", int, 50, 1, 1000)
        mid = await _mid(m.name)
        runs: list[queries.StatusRun] = []
        failures: list[dict[str, Any]] = []
        if mid is not None:
            runs = await asyncio.to_thread(
                queries.status_runs, web.engine, mid, since, until, limit
            )
            failures = await asyncio.to_thread(queries.failures, web.engine, mid, since, limit)
        return json({"monitor": m.name, "runs": runs, "failures": failures})

    @guard(Role.OPERATOR)
    async def check(request: Request) -> Response:
        m = await _monitor(request)
        if not m.enabled:
            raise HTTPException(409, f"monitor {m.name!r} is disabled")
        try:
            got = await web.app.check_now([m.name])
        except KeyError:
            raise HTTPException(409, f"monitor {m.name!r} is not scheduled") from None
        return json({"monitor": m.name, "result": got[0]})

    @guard(Role.VIEWER)
    async def metric_series(_: Request) -> Response:
        got = await asyncio.to_thread(queries.series_names, web.engine)
        return json({"series": [{"name": n, "labels": labels} for n, labels in got]})

    @guard(Role.VIEWER)
    async def metric_query(request: Request) -> Response:
        name = request.query_params.get("name", "")
        if not name:
            raise bad("query parameter 'name' is required")
        since, until = time_range(request, web.now(), 3600)
        labels: dict[str, str] = {}
        for item in request.query_params.getlist("label"):
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise bad("label filters look like label=key=value")
            labels[key] = value
        got = await asyncio.to_thread(web.app.store.sample_points, name, since, until, labels)
        return json({"name": name, "series": got})

    @guard(Role.VIEWER)
    async def tokens(request: Request) -> Response:
        who = request.state.principal
        owner = None if who.role >= Role.ADMIN else who.user
        got = await asyncio.to_thread(web.book.tokens, owner)
        return json({"tokens": got})

    @guard(Role.VIEWER)
    async def create_token(request: Request) -> Response:
        who = request.state.principal
        body = await read_json_body(request)
        name = body.get("name")
        role_text = body.get("role", who.role.label)
        ttl = body.get("ttl_seconds")
        if not isinstance(name, str) or not isinstance(role_text, str):
            raise bad("'name' and 'role' must be strings")
        if ttl is not None and (
            isinstance(ttl, bool) or not isinstance(ttl, int | float) or not 60 <= ttl <= 1e9
        ):
            raise bad("'ttl_seconds' must be a number from 60 to 1e9")
        try:
            role = Role.parse(role_text)
            raw, info = await asyncio.to_thread(
                web.book.create_token, who.user, name, role, float(ttl) if ttl else None
            )
        except UserError as exc:
            raise bad(str(exc)) from None
        return json({"token": raw, "info": info}, 201)

    @guard(Role.VIEWER)
    async def revoke_token(request: Request) -> Response:
        who = request.state.principal
        try:
            token_id = int(request.path_params["token_id"])
        except ValueError:
            raise bad("token id must be an integer") from None
        if not 1 <= token_id <= MAX_ID:
            raise HTTPException(404, f"no token {token_id}")
        owner = None if who.role >= Role.ADMIN else who.user
        done = await asyncio.to_thread(web.book.revoke_token, token_id, owner)
        if not done:
            raise HTTPException(404, f"no token {token_id}")
        return Response(status_code=204)

    @guard(Role.ADMIN)
    async def users(_: Request) -> Response:
        got = await asyncio.to_thread(web.book.users)
        return json({"users": [{"name": u.name, "role": u.role.label} for u in got]})

    @guard(Role.ADMIN)
    async def create_user(request: Request) -> Response:
        body = await read_json_body(request)
        name, password, role_text = body.get("name"), body.get("password"), body.get("role")
        if not (isinstance(name, str) and isinstance(password, str) and isinstance(role_text, str)):
            raise bad("'name', 'password' and 'role' are required strings")
        try:
            user = await asyncio.to_thread(web.book.add_user, name, password, Role.parse(role_text))
        except UserError as exc:
            raise HTTPException(409 if "exists" in str(exc) else 400, str(exc)) from None
        return json({"name": user.name, "role": user.role.label}, 201)

    p = "/api/v1"
    return [
        Route(f"{p}/openapi.json", openapi),
        Route(f"{p}/status", status),
        Route(f"{p}/me", me),
        Route(f"{p}/monitors", monitors),
        Route(f"{p}/monitors/{{name}}", monitor),
        Route(f"{p}/monitors/{{name}}/results", results),
        Route(f"{p}/monitors/{{name}}/latency", latency),
        Route(f"{p}/monitors/{{name}}/uptime", uptime),
        Route(f"{p}/monitors/{{name}}/history", history),
        Route(f"{p}/monitors/{{name}}/check", check, methods=["POST"]),
        Route(f"{p}/metrics", metric_series),
        Route(f"{p}/metrics/query", metric_query),
        Route(f"{p}/tokens", tokens),
        Route(f"{p}/tokens", create_token, methods=["POST"]),
        Route(f"{p}/tokens/{{token_id}}", revoke_token, methods=["DELETE"]),
        Route(f"{p}/users", users),
        Route(f"{p}/users", create_user, methods=["POST"]),
    ]


def boolean(text: str) -> bool:
    if text.lower() in {"1", "true", "yes"}:
        return True
    if text.lower() in {"0", "false", "no"}:
        return False
    raise ValueError(text)


async def read_json_body(request: Request) -> dict[str, Any]:
    """The JSON object body of a request; anything else is a 400/413/415."""
    if not request.headers.get("content-type", "").startswith("application/json"):
        raise HTTPException(415, "send a JSON body (Content-Type: application/json)")
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise HTTPException(413, "the body is too large")
    try:
        body = jsonlib.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise bad("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise bad("the body must be a JSON object")
    return body
