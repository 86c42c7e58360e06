"""Screenshots of a ``browser`` monitor's failed checks (viewer role), from the folder its
config names (``screenshots.dir``, see warden/probes/_browser_shots.py):

- ``GET /api/v1/monitors/<name>/screenshots``: ``{"monitor", "screenshots": [{"name",
  "time", "status", "bytes", "url"}]}``, newest first;
- ``GET /api/v1/monitors/<name>/screenshots/<file>``: the JPEG.

The monitor page shows the newest one.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from warden.probes import _browser_shots as shots
from warden.web.context import Web, error, json
from warden.web.users import Role

P = "/api/v1/monitors/{name}/screenshots"


def browser_routes(web: Web) -> list[BaseRoute]:
    guard = web.auth.guard

    def folder(name: str) -> Path | None:
        """The screenshot folder of browser monitor ``name`` (None: no such monitor)."""
        try:
            monitor = web.app.config.monitor(name)
        except KeyError:
            return None
        if monitor.probe_type() != "browser":
            return None
        return Path(monitor.probe_config().screenshots.dir)

    @guard(Role.VIEWER)
    async def listing(request: Request) -> Response:
        name = request.path_params["name"]
        root = folder(name)
        if root is None:
            return error(404, f"no browser monitor named {name!r}")
        found = await asyncio.to_thread(shots.listing, root, name)
        base = P.format(name=quote(name, safe=""))
        listed = [
            {"name": s.name, "time": s.time, "status": s.status, "bytes": s.bytes,
             "url": f"{base}/{s.name}"}
            for s in found
        ]  # fmt: skip
        return json({"monitor": name, "screenshots": listed})

    @guard(Role.VIEWER)
    async def image(request: Request) -> Response:
        name, file = request.path_params["name"], request.path_params["file"]
        root = folder(name)
        body = None if root is None else await asyncio.to_thread(shots.read, root, name, file)
        if body is None:
            return error(404, "no such screenshot")
        return Response(
            body, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=86400"}
        )

    return [Route(P, listing), Route(P + "/{file}", image)]
