"""The infrastructure overview in the dashboard: ``/doc`` (regenerated on every visit from the
config and the store; the diagram drawn as SVG by mermaid.js) and ``/api/v1/doc`` (the JSON
of ``warden doc --json``)."""

from __future__ import annotations

import asyncio
from typing import cast

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from warden.web.context import Web, json
from warden.web.pages import render_page
from warden.web.users import Role


def doc_routes(web: Web) -> list[BaseRoute]:
    guard = web.auth.guard

    def build() -> dict[str, object]:
        from warden.reports.document import infrastructure_document
        from warden.store import SqlStore

        store = cast(SqlStore, web.app.store)
        return infrastructure_document(store, web.app.config, web.now())

    @guard(Role.VIEWER)
    async def api(_: Request) -> Response:
        return json(await asyncio.to_thread(build))

    @guard(Role.VIEWER, page=True)
    async def page(request: Request) -> Response:
        from warden.reports.document import html_body

        doc = await asyncio.to_thread(build)
        body = Markup(html_body(doc))  # noqa: S704 - rendered with html off, diagram escaped
        return render_page(web, request, "doc.html", body=body)

    return [Route("/doc", page), Route("/api/v1/doc", api)]
