"""Probe agents in the API.

For agents (an agent token, bound to one location; it opens nothing else, and user tokens do
not open these): ``GET /api/v1/agent/assignment`` (the location's monitors, with the server's
time) and ``POST /api/v1/agent/results`` (a batch, gzip-compressed JSON; idempotent by batch
id; the answer has the server's time, for the agent's clock estimate, and the assignment's
etag). For users (viewer): ``GET /api/v1/agents`` (every location's agent: heard from when,
clock offset, buffered batches) and ``GET /api/v1/agents/monitors/{name}`` (a monitor's state
and latency per location, and the quorum's verdict).
"""

from __future__ import annotations

import asyncio
import contextlib
import json as jsonlib
import logging
import re
import zlib
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from warden.agents import assignment
from warden.agents.repository import AgentRepository, Batch
from warden.agents.views import agent_monitor, agents_json, monitor_json
from warden.errors import StoreError
from warden.web.context import Web, bad, json
from warden.web.users import Role

MAX_COMPRESSED = 16 * 2**20
MAX_BODY = 64 * 2**20
MAX_OFFSET = 86400.0
BATCH_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
RETRY = {"Retry-After": "2"}
log = logging.getLogger("warden.agents")


def _number(request: Request, header: str) -> float | None:
    raw = request.headers.get(header)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise bad(f"{header} must be a number of seconds") from None
    if not abs(value) <= MAX_OFFSET:
        raise bad(f"{header} is out of range")
    return value


async def _body(request: Request) -> Any:
    data = await request.body()
    if len(data) > MAX_COMPRESSED:
        raise HTTPException(413, "batch too large")
    if request.headers.get("content-encoding", "").lower() == "gzip":
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            data = inflate.decompress(data, MAX_BODY)
        except zlib.error:
            raise bad("the body is not valid gzip") from None
        if inflate.unconsumed_tail:
            raise HTTPException(413, "batch too large")
    try:
        return jsonlib.loads(data)
    except ValueError:
        raise bad("the body is not JSON") from None


def agent_routes(web: Web) -> list[BaseRoute]:
    repo = AgentRepository(web.engine)

    async def agent_location(request: Request) -> str:
        auth = request.headers.get("authorization", "")
        if not auth.lower().startswith("bearer "):
            raise HTTPException(401, "an agent token is needed", {"WWW-Authenticate": "Bearer"})
        try:
            location = await asyncio.to_thread(repo.token_location, auth[7:].strip(), web.now())
        except StoreError as exc:
            log.warning("cannot check an agent token: %s", exc)
            raise HTTPException(503, "the store is busy; try again", RETRY) from None
        if location is None:
            raise HTTPException(401, "unknown or revoked agent token")
        claimed = request.headers.get("x-warden-location")
        if claimed is not None and claimed != location:
            raise HTTPException(403, f"this token is for location {location!r}, not {claimed!r}")
        name = agent_monitor(location)
        if any(m.name == name for m in web.app.config.monitors):
            await web.app.heartbeat(name)
        return location

    def assigned(location: str) -> tuple[list[dict[str, Any]], str]:
        doc = assignment.document(assignment.for_location(web.app.config, location))
        return doc, assignment.etag(doc)

    async def get_assignment(request: Request) -> Response:
        location = await agent_location(request)
        client = request.client.host if request.client else ""
        version = request.headers.get("user-agent", "")
        with contextlib.suppress(StoreError):  # only the agent's status: answer anyway
            await asyncio.to_thread(repo.seen, location, web.now(), client, version)
        doc, tag = assigned(location)
        return json({"location": location, "server_time": web.now(), "etag": tag, "monitors": doc})

    async def post_results(request: Request) -> Response:
        location = await agent_location(request)
        body = await _body(request)
        batch_id = body.get("batch") if isinstance(body, dict) else None
        results = body.get("results") if isinstance(body, dict) else None
        if not isinstance(batch_id, str) or not BATCH_ID.match(batch_id):
            raise bad("batch: an id of 8 to 64 letters, digits, _ or -")
        if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
            raise bad("results: a list of objects")
        mine = {m.name for m in assignment.for_location(web.app.config, location)}
        kept = [r for r in results if r.get("monitor") in mine]
        status = {
            "rtt": _number(request, "x-warden-rtt"),
            "address": request.client.host if request.client else "",
            "version": request.headers.get("user-agent", ""),
            "buffered": int(_number(request, "x-warden-buffered") or 0),
        }
        offset = _number(request, "x-warden-clock-offset") or 0.0
        try:
            stored, duplicate = await asyncio.to_thread(
                repo.record_batch, location, Batch(batch_id, kept), web.now(), offset, status
            )
        except ValueError as exc:
            raise bad(str(exc)) from None
        except StoreError as exc:  # the agent keeps the batch and sends it again
            log.warning("batch %s of %s not stored: %s", batch_id, location, exc)
            raise HTTPException(503, "the store is busy; send it again", RETRY) from None
        _, tag = assigned(location)
        return json(
            {
                "accepted": stored,
                "duplicate": duplicate,
                "ignored": len(results) - len(kept),
                "server_time": web.now(),
                "assignment": tag,
            }
        )

    @web.auth.guard(Role.VIEWER)
    async def list_agents(_: Request) -> Response:
        got = await asyncio.to_thread(agents_json, web.app.config, repo, web.now())
        return json(got)

    @web.auth.guard(Role.VIEWER)
    async def monitor_locations(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            monitor = web.app.config.monitor(name)
        except KeyError:
            raise HTTPException(404, f"no monitor named {name!r}") from None
        if not monitor.locations:
            raise HTTPException(404, f"monitor {name!r} has no locations (this server runs it)")
        got = await asyncio.to_thread(monitor_json, web.app.config, monitor, repo, web.now())
        return json(got)

    return [
        Route("/api/v1/agent/assignment", get_assignment, methods=["GET"]),
        Route("/api/v1/agent/results", post_results, methods=["POST"]),
        Route("/api/v1/agents", list_agents, methods=["GET"]),
        Route("/api/v1/agents/monitors/{name}", monitor_locations, methods=["GET"]),
    ]
