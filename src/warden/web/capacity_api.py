"""Capacity in the API and the dashboard: ``/api/v1/capacity`` (the JSON of ``warden
capacity --json``; ``?series=1`` adds each resource's history and projection),
``/api/v1/capacity/databases/{collector}`` (operator: measures that postgres or mysql
collector's database for 5 s and places it on the scaling ladder), ``/api/v1/scaling``
(the scaling policies and their decisions of the last ``hours``, 24 by default), the
``/capacity`` page with one chart per resource (history, forecast line and band, limit).
Forecasts are kept for a minute."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from warden.capacity.report import capacity_report
from warden.web.context import Web, json
from warden.web.pages import render_page
from warden.web.users import Role

TTL = 60.0


class _Cache:
    """The last report with series, per kind filter, for ``TTL`` seconds."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.got: dict[str | None, tuple[float, dict[str, Any]]] = {}

    def report(self, web: Web, kind: str | None) -> dict[str, Any]:
        with self.lock:
            hit = self.got.get(kind)
            if hit is not None and time.monotonic() - hit[0] < TTL:
                return hit[1]
            data = capacity_report(
                web.engine, web.app.config.capacity, web.now(), kind=kind, series=True
            )
            self.got[kind] = (time.monotonic(), data)
            return data


def _lean(data: dict[str, Any]) -> dict[str, Any]:
    rows = [{k: v for k, v in r.items() if k not in ("history", "projection")}
            for r in data["resources"]]  # fmt: skip
    return {**data, "resources": rows}


def capacity_routes(web: Web) -> list[BaseRoute]:
    guard = web.auth.guard
    cache = _Cache()

    @guard(Role.VIEWER)
    async def api(request: Request) -> Response:
        kind = request.query_params.get("kind") or None
        data = await asyncio.to_thread(cache.report, web, kind)
        return json(data if request.query_params.get("series") in ("1", "true") else _lean(data))

    def scaling_now(since_hours: float = 24.0) -> dict[str, Any]:
        from warden.capacity.scaling_report import scaling_report

        now = web.now()
        return scaling_report(web.engine, web.app.config.scaling, now, now - since_hours * 3600)

    @guard(Role.VIEWER)
    async def scaling(request: Request) -> Response:
        from warden.web.context import param

        hours = param(request, "hours", float, 24.0, 0.0, 24.0 * 400)
        return json(await asyncio.to_thread(scaling_now, hours))

    @guard(Role.VIEWER, page=True)
    async def page(request: Request) -> Response:
        data = await asyncio.to_thread(cache.report, web, None)
        scaled = await asyncio.to_thread(scaling_now)
        return render_page(web, request, "capacity.html", report=_lean(data), scaling=scaled)

    @guard(Role.OPERATOR)
    async def database(request: Request) -> Response:
        from warden.capacity.ladder import database_ladder, resolve
        from warden.errors import AuditError

        name = request.path_params["name"]
        config = web.app.config
        if not any(c.display_name() == name and c.collector_type() in ("postgres", "mysql")
                   for c in config.collectors):  # fmt: skip
            raise HTTPException(404, f"no postgres or mysql collector named {name!r}")
        try:
            data = await database_ladder(
                resolve(name, config), config, engine=web.engine, sample=5.0, now=web.now()
            )
        except AuditError as exc:
            raise HTTPException(502, str(exc)) from None
        return json(data)

    return [
        Route("/api/v1/capacity", api),
        Route("/api/v1/scaling", scaling),
        Route("/api/v1/capacity/databases/{name}", database),
        Route("/capacity", page),
    ]
