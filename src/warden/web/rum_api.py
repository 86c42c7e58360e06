"""Real-user monitoring on the web: ``/rum.js``, the beacon endpoint and ``/api/v1/rum``.

- ``GET /rum.js`` (public): web-vitals' IIFE build (copied from npm by ``make assets``)
  followed by ``warden/rum/snippet.js``; cached by browsers for an hour.
- ``POST /rum/<site>`` (public): one beacon. Only from the site's configured origins (the
  ``Origin`` header; CORS answers name that origin, never ``*`` and never credentials),
  rate-limited per client address (429 with ``Retry-After``), at most 4 KiB of JSON; 204 when
  counted. ``OPTIONS`` answers the CORS preflight. Nothing about the sender is stored and no
  cookie is set or read.
- ``GET /api/v1/rum?site=&since=&until=`` (viewer): the ``warden.rum/v1`` report
  (warden/rum/report.py), also behind the ``/rum`` page (rum_pages.py).

Counted vitals are written every ``rum.flush_interval`` by a task of the App, and before each
report is read, so a report includes every beacon this instance accepted.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
from importlib import resources
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from warden.rum.collect import MAX_BYTES, BeaconError, RumBook
from warden.rum.config import RumSite
from warden.rum.report import rum_report
from warden.web.context import Web, error, time_range
from warden.web.context import json as json_response
from warden.web.rum_pages import rum_page_routes
from warden.web.users import Role

VENDOR = Path(__file__).parent / "static" / "vendor" / "web-vitals.iife.js"


class RumScript:
    """``/rum.js``: read once, served with an ETag."""

    def __init__(self, vendor: Path = VENDOR) -> None:
        self.vendor = vendor
        self.body: bytes | None = None
        self.etag = ""

    def load(self) -> bytes | None:
        if self.body is None:
            try:
                library = self.vendor.read_bytes()
            except OSError:
                return None  # not built: `make assets`
            snippet = resources.files("warden.rum").joinpath("snippet.js").read_bytes()
            self.body = library.rstrip() + b"\n" + snippet
            self.etag = '"' + hashlib.sha256(self.body).hexdigest()[:20] + '"'
        return self.body


def _cors(origin: str) -> dict[str, str]:
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}


def _allowed(site: RumSite | None, request: Request) -> str | None:
    """The request's origin when it may post to ``site``."""
    origin = request.headers.get("origin", "").lower().rstrip("/")
    return origin if site is not None and origin in site.origins else None


async def _body(request: Request) -> bytes | None:
    """The request body, or None past ``MAX_BYTES``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BYTES:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def rum_routes(web: Web) -> list[BaseRoute]:
    book = RumBook(web.now)
    script = RumScript()
    guard = web.auth.guard

    async def rum_js(request: Request) -> Response:
        body = script.load()
        if body is None:
            return error(503, "the web-vitals library is missing: run `make assets`")
        headers = {
            "ETag": script.etag,
            "Cache-Control": "public, max-age=3600",
            "Cross-Origin-Resource-Policy": "cross-origin",
        }
        if request.headers.get("if-none-match") == script.etag:
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="application/javascript; charset=utf-8", headers=headers)

    async def beacon(request: Request) -> Response:
        cfg = web.app.config.rum
        site = cfg.site(request.path_params["site"])
        if site is None:
            return error(404, "no such RUM site")
        origin = _allowed(site, request)
        if origin is None:
            return error(403, "this origin may not send vitals to this site")
        client = request.client.host if request.client else "unknown"
        wait = book.limit(cfg, client)
        if wait:
            headers = {**_cors(origin), "Retry-After": str(math.ceil(wait))}
            return error(429, "too many beacons from this address", headers)
        raw = await _body(request)
        if raw is None:
            return error(413, f"a beacon is at most {MAX_BYTES} bytes", _cors(origin))
        try:
            book.take(site, json.loads(raw))
        except (ValueError, BeaconError) as exc:
            message = str(exc) if isinstance(exc, BeaconError) else "the body is not JSON"
            return error(400, message, _cors(origin))
        if web.app.stats.running:
            book.start(web.app.spawn, web.app.store, cfg.flush_interval)
        return Response(status_code=204, headers=_cors(origin))

    async def preflight(request: Request) -> Response:
        origin = _allowed(web.app.config.rum.site(request.path_params["site"]), request)
        if origin is None:
            return error(403, "this origin may not send vitals to this site")
        headers = {
            **_cors(origin),
            "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": "86400",
        }
        return Response(status_code=204, headers=headers)

    async def report(site: str | None, since: float, until: float) -> dict[str, Any]:
        """The report after writing what was counted (KeyError: no such site)."""
        await book.flush(web.app.store)
        cfg = web.app.config.rum
        return await asyncio.to_thread(rum_report, web.engine, cfg, site, since, until)

    @guard(Role.VIEWER)
    async def api(request: Request) -> Response:
        since, until = time_range(request, web.now(), 86400.0)
        site = request.query_params.get("site") or None
        try:
            data = await report(site, since, until)
        except KeyError:
            return error(404, f"no RUM site named {site!r}")
        return json_response(data)

    return [
        Route("/rum.js", rum_js),
        Route("/rum/{site}", beacon, methods=["POST"]),
        Route("/rum/{site}", preflight, methods=["OPTIONS"]),
        Route("/api/v1/rum", api),
        *rum_page_routes(web, report),
    ]
