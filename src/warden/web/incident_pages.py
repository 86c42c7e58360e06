"""The incident pages: ``/incidents`` (list, declare) and ``/incidents/<id>`` (timeline, actions).

Both render their data on the server and then poll ``/api/v1/incidents`` (static/incidents.js);
the actions of operators (declare, acknowledge, move the status, assess the severity, add a
note, resolve) are calls to that API carrying the session's CSRF token.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from warden.alerting.config import SEVERITIES
from warden.config._types import format_duration
from warden.deploys.markers import with_deploys
from warden.incidents.model import STATUSES
from warden.incidents.storage import IncidentRepository
from warden.incidents.views import incident_json, read_detail
from warden.web.context import Web
from warden.web.incidents_api import LIST_FILTERS, parse_id, statuses_for
from warden.web.pages import render_page
from warden.web.users import Role

PAGE_SIZE = 100


def duration_text(incident: dict[str, Any], now: float) -> str:
    """How long the incident lasted, or has lasted so far (whole seconds)."""
    end = incident["resolved_at"] if incident["resolved_at"] is not None else now
    return format_duration(float(max(0, int(end - incident["opened_at"]))))


def incident_page_routes(web: Web) -> list[BaseRoute]:
    guard = web.auth.guard
    repo = IncidentRepository(web.engine)

    @guard(Role.VIEWER, page=True)
    async def incidents(request: Request) -> Response:
        which = request.query_params.get("status") or "open"
        which = which if which in LIST_FILTERS else "open"
        severity = request.query_params.get("severity") or ""
        severity = severity if severity in SEVERITIES else ""
        statuses = statuses_for(which)
        got = await asyncio.to_thread(
            repo.list_incidents, statuses, PAGE_SIZE, [severity] if severity else None
        )
        now = web.now()
        rows = [(j, duration_text(j, now)) for j in map(incident_json, got)]
        return render_page(
            web,
            request,
            "incidents.html",
            rows=rows,
            which=which,
            severity=severity,
            statuses=STATUSES,
            severities=SEVERITIES,
            monitor_names=sorted(m.name for m in web.app.config.monitors),
        )

    @guard(Role.VIEWER, page=True)
    async def incident(request: Request) -> Response:
        text = request.path_params["incident_id"]
        incident_id = parse_id(text)
        detail = None
        if incident_id is not None:
            detail = await asyncio.to_thread(read_detail, repo, incident_id)
            detail = await asyncio.to_thread(with_deploys, web.engine, detail, web.now())
        if detail is None:
            raise HTTPException(404, f"no incident {text!r}")
        return render_page(
            web,
            request,
            "incident.html",
            d=detail,
            i=detail["incident"],
            duration=duration_text(detail["incident"], web.now()),
            severities=SEVERITIES,
        )

    return [
        Route("/incidents", incidents),
        Route("/incidents/{incident_id}", incident),
    ]
