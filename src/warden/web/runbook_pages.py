"""The runbooks in the dashboard: ``/runbooks`` (the index) and ``/runbooks/<name>`` (one,
rendered from Markdown): the shipped ones and those of ``alerting.runbooks_dir``, linked from
alerts' ``runbook_url`` and audit reports."""

from __future__ import annotations

from markupsafe import Markup, escape
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from warden.web.context import Web
from warden.web.pages import render_page
from warden.web.users import Role


def runbook_routes(web: Web) -> list[BaseRoute]:
    guard = web.auth.guard

    @guard(Role.VIEWER, page=True)
    async def index(request: Request) -> Response:
        from warden.reports.runbooks import names

        listed = names(web.app.config.alerting.runbooks_dir)
        items = "".join(f'<li><a href="/runbooks/{escape(n)}">{escape(n)}</a></li>' for n in listed)
        body = Markup(f"<h1>Runbooks</h1><ul>{items}</ul>")  # noqa: S704 - names escaped
        return render_page(web, request, "runbook.html", runbook="index", body=body)

    @guard(Role.VIEWER, page=True)
    async def one(request: Request) -> Response:
        from warden.reports.render import markdown_html
        from warden.reports.runbooks import runbook

        name = request.path_params["name"]
        text = runbook(name, web.app.config.alerting.runbooks_dir)
        if text is None:
            raise HTTPException(404, f"no runbook named {name!r}")
        body = Markup(markdown_html(text))  # noqa: S704 - rendered with raw HTML escaped
        return render_page(web, request, "runbook.html", runbook=name, body=body)

    return [Route("/runbooks", index), Route("/runbooks/{name}", one)]
