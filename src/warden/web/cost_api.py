"""Cost in the API and the dashboard: ``GET /api/v1/cost/report?month=YYYY-MM`` (viewer; the
JSON of ``warden cost report --json``; ``series=1`` adds the daily spend the charts draw) and
the ``/cost`` page: monthly spend stacked by service with the budget line, the daily spend
with its anomalies, budgets and the numbered opportunities. Reports are kept for a minute
per month asked for."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from warden.web.context import Web, json
from warden.web.pages import render_page
from warden.web.users import Role

TTL = 60.0


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.got: dict[str | None, tuple[float, dict[str, Any]]] = {}

    def report(self, web: Web, month: str | None) -> dict[str, Any]:
        from warden.cost.lake import data_dir
        from warden.cost.report import cost_report

        with self.lock:
            hit = self.got.get(month)
            if hit is not None and time.monotonic() - hit[0] < TTL:
                return hit[1]
            cfg = web.app.config
            root = data_dir(cfg.cost, cfg.store.url.get_secret_value())
            data = cost_report(
                root, cfg.cost, web.now(), month=month, engine=web.engine, series=True
            )
            data = {"schema": "warden.cost/v1", **data}
            self.got[month] = (time.monotonic(), data)
            return data


def _month(request: Request) -> str | None:
    from warden.cost.report import check_month

    month = request.query_params.get("month") or None
    if month is None:
        return None
    try:
        return check_month(month)
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None


def cost_routes(web: Web) -> list[BaseRoute]:
    guard = web.auth.guard
    cache = _Cache()

    @guard(Role.VIEWER)
    async def api(request: Request) -> Response:
        data = await asyncio.to_thread(cache.report, web, _month(request))
        if request.query_params.get("series") not in ("1", "true"):
            data = {k: v for k, v in data.items() if k != "daily"}
        return json(data)

    @guard(Role.VIEWER, page=True)
    async def page(request: Request) -> Response:
        month = _month(request)
        data = await asyncio.to_thread(cache.report, web, month)
        return render_page(web, request, "cost.html", report=data, month=month or "")

    return [Route("/api/v1/cost/report", api), Route("/cost", page)]
