"""Incident tools: list, show, declare, note, acknowledge, resolve and the postmortem.

The same repository calls and JSON builders (``incident_json``, ``read_detail``,
``postmortem``) as ``warden incident`` and ``/api/v1/incidents``.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from pydantic import Field

from warden.mcp.caller import caller_name
from warden.mcp.deps import Deps
from warden.mcp.paging import Limit, Offset, page
from warden.mcp.registry import Tools

IncidentId = Annotated[int, Field(ge=1, description="Incident number (see incidents).")]
Severity = Literal["critical", "high", "medium", "low"]


def register(tools: Tools, deps: Deps) -> None:
    def repo() -> Any:
        from warden.incidents.storage import IncidentRepository

        return IncidentRepository(deps.store.engine)

    def incident(incident_id: int) -> dict[str, Any]:
        from warden.incidents.views import incident_json

        found = repo().get(incident_id)
        if found is None:
            raise ValueError(f"no incident #{incident_id} (see the incidents tool)")
        return incident_json(found)

    @tools.read
    async def incidents(
        include_closed: Annotated[bool, Field(description="Resolved and reviewed too.")] = False,
        offset: Offset = 0,
        limit: Limit = 20,
    ) -> dict[str, Any]:
        """Open incidents (or every incident), newest first."""
        from warden.incidents.model import OPEN_STATUSES
        from warden.incidents.views import incident_json

        statuses = None if include_closed else list(OPEN_STATUSES)
        found = await asyncio.to_thread(repo().list_incidents, statuses, 1000)
        return page([incident_json(i) for i in found], offset, limit, "incidents")

    @tools.read
    async def incident_show(
        incident_id: IncidentId,
        timeline_limit: Annotated[int, Field(ge=1, le=500)] = 50,
    ) -> dict[str, Any]:
        """One incident with its monitors, alerts, the newest timeline events and the deploys
        from two hours before it opened."""
        from warden.deploys.markers import with_deploys
        from warden.incidents.views import read_detail

        data = await asyncio.to_thread(read_detail, repo(), incident_id)
        data = await asyncio.to_thread(with_deploys, deps.store.engine, data, deps.now())
        if data is None:
            raise ValueError(f"no incident #{incident_id} (see the incidents tool)")
        events = data["timeline"]
        data["timeline"] = events[-timeline_limit:]
        data["timeline_total"] = len(events)
        data["alerts"] = data["alerts"][:50]
        return data

    @tools.write()
    async def incident_declare(
        title: Annotated[str, Field(min_length=1, max_length=200)],
        severity: Severity = "high",
        monitors: Annotated[list[str], Field(description="Affected monitors.")] = [],  # noqa: B006
        message: Annotated[str, Field(max_length=5000, description="A first note.")] = "",
    ) -> dict[str, Any]:
        """Open an incident by hand (e.g. users report a problem no alert caught yet)."""
        from warden.incidents.views import incident_json

        known = {m.name for m in deps.config.monitors}
        for name in monitors:
            if name not in known:
                raise ValueError(f"monitors: no monitor named {name!r}")
        got = await asyncio.to_thread(
            repo().declare, title.strip(), severity, caller_name(), deps.now(), monitors, message
        )
        return {"incident": incident_json(got)}

    @tools.write()
    async def incident_note(
        incident_id: IncidentId, text: Annotated[str, Field(min_length=1, max_length=5000)]
    ) -> dict[str, Any]:
        """Add a note to an incident's timeline."""
        await asyncio.to_thread(incident, incident_id)
        await asyncio.to_thread(repo().note, incident_id, caller_name(), text, deps.now())
        return {"incident": await asyncio.to_thread(incident, incident_id)}

    @tools.write()
    async def incident_ack(incident_id: IncidentId) -> dict[str, Any]:
        """Acknowledge an incident: someone is on it (a detected one moves to assessed)."""
        from warden.incidents.views import incident_json

        await asyncio.to_thread(incident, incident_id)
        got = await asyncio.to_thread(repo().ack, incident_id, caller_name(), deps.now())
        return {"incident": incident_json(got)}

    @tools.write()
    async def incident_resolve(
        incident_id: IncidentId,
        message: Annotated[str, Field(max_length=5000, description="How it was fixed.")] = "",
    ) -> dict[str, Any]:
        """Mark an incident resolved."""
        from warden.incidents.views import incident_json

        await asyncio.to_thread(incident, incident_id)
        got = await asyncio.to_thread(
            repo().resolve, incident_id, caller_name(), deps.now(), message
        )
        return {"incident": incident_json(got)}

    @tools.read
    async def incident_postmortem(incident_id: IncidentId) -> dict[str, Any]:
        """The incident's postmortem in Markdown, its impact measured from the store."""
        from warden.incidents.views import postmortem

        cfg = deps.config
        pm = await asyncio.to_thread(
            postmortem, repo(), deps.store, incident_id, cfg.monitors, cfg.slos, deps.now()
        )
        if pm is None:
            raise ValueError(f"no incident #{incident_id} (see the incidents tool)")
        return pm.json()
