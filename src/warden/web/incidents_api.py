"""Incidents in the API (``/api/v1/incidents``): the same operations as ``warden incident``.

A thin layer over ``IncidentRepository`` with the JSON shapes of ``warden.incidents.views``
(the CLI's ``--json`` uses them too). Reading needs the viewer role; declaring, updating,
notes, acknowledging and resolving the operator role. The author of every write is the
authenticated user, never a field of the body.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from warden.alerting.config import SEVERITIES
from warden.deploys.markers import with_deploys
from warden.incidents.model import OPEN_STATUSES, STATUSES, Incident, check_move
from warden.incidents.storage import IncidentRepository
from warden.incidents.views import incident_json, postmortem, read_detail
from warden.web.alerts_api import api_period
from warden.web.api import MAX_ID, read_json_body
from warden.web.context import Web, bad, json, param
from warden.web.users import Role

MAX_TITLE = 200
MAX_NOTE = 10_000
MAX_MONITORS = 100
LIST_FILTERS = ("open", "all", *STATUSES)


def _text(body: dict[str, Any], key: str, limit: int) -> str:
    """A required string field of the body, trimmed."""
    value = body.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise bad(f"'{key}' must be a non-empty string of at most {limit} characters")
    return value.strip()


def _opt_text(body: dict[str, Any], key: str, limit: int) -> str | None:
    return None if body.get(key) is None else _text(body, key, limit)


def _severity(body: dict[str, Any]) -> str:
    value = body.get("severity")
    if not isinstance(value, str) or value not in SEVERITIES:
        raise bad(f"'severity' must be one of {', '.join(SEVERITIES)}")
    return value


def _refuse_unknown(body: dict[str, Any], known: tuple[str, ...]) -> None:
    extra = sorted(set(body) - set(known))
    if extra:
        raise bad(f"unknown field(s) {', '.join(extra)}; expected {', '.join(known)}")


def statuses_for(which: str) -> list[str] | None:
    """The statuses a list filter (``open``, ``all`` or one status) stands for; None: any."""
    return {"open": list(OPEN_STATUSES), "all": None}.get(which, [which])


def parse_id(text: str) -> int | None:
    """An incident id from a path; None when it is not one (never an exception)."""
    if text.isascii() and text.isdigit() and len(text) <= 10 and 1 <= int(text) <= MAX_ID:
        return int(text)
    return None


def incident_routes(web: Web) -> list[BaseRoute]:
    guard = web.auth.guard
    repo = IncidentRepository(web.engine)

    def _id(request: Request) -> int:
        text = request.path_params["incident_id"]
        found = parse_id(text)
        if found is None:
            raise HTTPException(404, f"no incident {text!r}")
        return found

    async def _get(incident_id: int) -> Incident:
        found = await asyncio.to_thread(repo.get, incident_id)
        if found is None:
            raise HTTPException(404, f"no incident #{incident_id}")
        return found

    def _who(request: Request) -> str:
        return str(request.state.principal.user)

    @guard(Role.VIEWER)
    async def list_incidents(request: Request) -> Response:
        which = request.query_params.get("status") or "open"
        if which not in LIST_FILTERS:
            raise bad(f"'status' must be one of {', '.join(LIST_FILTERS)}")
        statuses = statuses_for(which)
        severity = request.query_params.get("severity") or None
        if severity is not None and severity not in SEVERITIES:
            raise bad(f"'severity' must be one of {', '.join(SEVERITIES)}")
        limit = param(request, "limit", int, 100, 1, 1000)
        period = api_period(request, web.now())
        if period is not None and "status" not in request.query_params:
            statuses = None  # a period asks for what was open then, resolved since or not
        lo, hi = period if period is not None else (None, None)
        got = await asyncio.to_thread(
            repo.list_incidents, statuses, limit, [severity] if severity else None, lo, hi
        )
        return json({"incidents": [incident_json(i) for i in got]})

    @guard(Role.OPERATOR)
    async def declare(request: Request) -> Response:
        body = await read_json_body(request)
        _refuse_unknown(body, ("title", "severity", "monitors", "note"))
        title = _text(body, "title", MAX_TITLE)
        severity = _severity(body)
        note = _opt_text(body, "note", MAX_NOTE) or ""
        names = body.get("monitors", [])
        if (
            not isinstance(names, list)
            or len(names) > MAX_MONITORS
            or not all(isinstance(n, str) for n in names)
        ):
            raise bad(f"'monitors' must be a list of at most {MAX_MONITORS} monitor names")
        known = {m.name for m in web.app.config.monitors}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise bad(f"'monitors': no monitor named {', '.join(repr(n) for n in unknown)}")
        made = await asyncio.to_thread(
            repo.declare, title, severity, _who(request), web.now(), names, note
        )
        detail = await asyncio.to_thread(read_detail, repo, made.id)
        return json(detail, 201)

    @guard(Role.VIEWER)
    async def show(request: Request) -> Response:
        incident_id = _id(request)
        detail = await asyncio.to_thread(read_detail, repo, incident_id)
        if detail is None:
            raise HTTPException(404, f"no incident #{incident_id}")
        return json(await asyncio.to_thread(with_deploys, web.engine, detail, web.now()))

    @guard(Role.OPERATOR)
    async def patch(request: Request) -> Response:
        incident_id = _id(request)
        body = await read_json_body(request)
        _refuse_unknown(body, ("status", "severity", "title", "note"))
        status = body.get("status")
        if status is not None and status not in STATUSES:
            raise bad(f"'status' must be one of {', '.join(STATUSES)}")
        severity = None if body.get("severity") is None else _severity(body)
        title = _opt_text(body, "title", MAX_TITLE)
        note = _opt_text(body, "note", MAX_NOTE) or ""
        if status is None and severity is None and title is None:
            raise bad(
                "send at least one of 'status', 'severity' or 'title' (notes: POST .../notes)"
            )
        current = await _get(incident_id)
        if status is not None:
            try:
                check_move(current.status, status)
            except ValueError as exc:
                raise HTTPException(409, f"incident #{incident_id}: {exc}") from None
        who, now = _who(request), web.now()

        def apply() -> None:
            if title is not None and title != current.title:
                repo.retitle(incident_id, title, who, now)
            if severity is not None and severity != current.severity:
                repo.assess(incident_id, severity, who, now)
            if status is not None:
                repo.set_status(incident_id, status, now, who, note)
            elif note:
                repo.note(incident_id, who, note, now)

        try:
            await asyncio.to_thread(apply)
        except ValueError as exc:  # the status moved meanwhile
            raise HTTPException(409, f"incident #{incident_id}: {exc}") from None
        return json(await asyncio.to_thread(read_detail, repo, incident_id))

    @guard(Role.OPERATOR)
    async def add_note(request: Request) -> Response:
        incident_id = _id(request)
        body = await read_json_body(request)
        _refuse_unknown(body, ("text",))
        text = _text(body, "text", MAX_NOTE)
        await _get(incident_id)
        await asyncio.to_thread(repo.note, incident_id, _who(request), text, web.now())
        return json(await asyncio.to_thread(read_detail, repo, incident_id), 201)

    @guard(Role.OPERATOR)
    async def ack(request: Request) -> Response:
        incident_id = _id(request)
        await _get(incident_id)
        try:
            await asyncio.to_thread(repo.ack, incident_id, _who(request), web.now())
        except ValueError as exc:
            raise HTTPException(409, f"incident #{incident_id}: {exc}") from None
        return json(await asyncio.to_thread(read_detail, repo, incident_id))

    @guard(Role.OPERATOR)
    async def resolve(request: Request) -> Response:
        incident_id = _id(request)
        note = ""
        if await request.body():
            body = await read_json_body(request)
            _refuse_unknown(body, ("note",))
            note = _opt_text(body, "note", MAX_NOTE) or ""
        await _get(incident_id)
        try:
            await asyncio.to_thread(repo.resolve, incident_id, _who(request), web.now(), note)
        except ValueError as exc:
            raise HTTPException(409, f"incident #{incident_id}: {exc}") from None
        return json(await asyncio.to_thread(read_detail, repo, incident_id))

    @guard(Role.VIEWER)
    async def postmortem_doc(request: Request) -> Response:
        incident_id = _id(request)
        fmt = request.query_params.get("format") or "markdown"
        if fmt not in ("markdown", "json"):
            raise bad("'format' must be markdown or json")
        cfg = web.app.config
        pm = await asyncio.to_thread(
            postmortem, repo, web.app.store, incident_id, cfg.monitors, cfg.slos, web.now()
        )
        if pm is None:
            raise HTTPException(404, f"no incident #{incident_id}")
        if fmt == "json":
            return json(pm.json())
        return Response(
            pm.markdown,
            media_type="text/markdown; charset=utf-8",
            headers={"Content-Disposition": f'inline; filename="postmortem-{incident_id}.md"'},
        )

    p = "/api/v1/incidents"
    return [
        Route(p, list_incidents),
        Route(p, declare, methods=["POST"]),
        Route(f"{p}/{{incident_id}}", show),
        Route(f"{p}/{{incident_id}}", patch, methods=["PATCH"]),
        Route(f"{p}/{{incident_id}}/notes", add_note, methods=["POST"]),
        Route(f"{p}/{{incident_id}}/ack", ack, methods=["POST"]),
        Route(f"{p}/{{incident_id}}/resolve", resolve, methods=["POST"]),
        Route(f"{p}/{{incident_id}}/postmortem", postmortem_doc),
    ]
