"""Dashboard pages to manage monitors: the list with sources, and the create/edit form.

Plain HTML forms (they work without JavaScript) posting to the same Manager functions as
the API, with the session's CSRF token. The form has the common fields and one YAML box
for the probe's own settings (``url: https://...``), checked by the config models; errors
are shown next to the form with their key paths. Changing things needs the operator role.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

import yaml
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from warden import probes
from warden.managed.storage import Conflict, NotFound
from warden.managed.validate import KINDS, Invalid, redacted
from warden.web.context import Web
from warden.web.monitors_api import manager_of
from warden.web.pages import render_page
from warden.web.users import Role

MONITORS = KINDS["monitors"]
COMMON = ("name", "interval", "timeout", "group", "description")


def _types() -> list[str]:
    probes.load_all()
    return list(probes.REGISTRY)


def _form_body(form: FormData) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The monitor body a form describes, and problems found before validation."""
    body: dict[str, Any] = {}
    for key in COMMON:
        value = str(form.get(key, "")).strip()
        if value:
            body[key] = value
    kind = str(form.get("type", "")).strip()
    issues: list[tuple[str, str]] = []
    try:
        settings = yaml.safe_load(str(form.get("settings", "")) or "{}")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        return body, [(kind or "settings", f"YAML syntax{where}: {getattr(exc, 'problem', exc)}")]
    if settings is None:
        settings = {}
    if not isinstance(settings, dict):
        issues.append((kind or "settings", "settings must be key: value lines"))
    elif kind:
        body[kind] = settings
    return body, issues


def _form_values(body: dict[str, Any], model: Any) -> dict[str, str]:
    """Form fields for a stored body (literal secrets shown as REDACTED)."""
    shown = redacted(body, model) if model is not None else body
    values = {key: str(shown.get(key, "")) for key in COMMON}
    kind = next((k for k in shown if k in _types()), "")
    values["type"] = kind
    settings = shown.get(kind) or {}
    values["settings"] = yaml.safe_dump(settings, sort_keys=False) if settings else ""
    return values


def managed_page_routes(web: Web) -> list[BaseRoute]:
    guard = web.auth.guard
    manager = manager_of(web)

    def who(request: Request) -> str:
        return f"{request.state.principal.user} (dashboard)"

    def form_page(
        request: Request,
        values: dict[str, str],
        editing: str | None,
        issues: list[tuple[str, str]] = (),  # type: ignore[assignment]
        status: int = 200,
    ) -> Response:
        return render_page(
            web,
            request,
            "monitor_form.html",
            status,
            values=values,
            editing=editing,
            issues=list(issues),
            types=_types(),
        )

    @guard(Role.VIEWER, page=True)
    async def listing(request: Request) -> Response:
        rows = await asyncio.to_thread(manager.listing, MONITORS)
        return render_page(web, request, "manage_monitors.html", rows=rows)

    @guard(Role.OPERATOR, page=True)
    async def new(request: Request) -> Response:
        values = {"interval": "1m", "group": "default", "type": "http", "settings": "url: "}
        return form_page(request, values, None)

    @guard(Role.OPERATOR, page=True)
    async def edit(request: Request) -> Response:
        name = request.path_params["name"]
        try:
            row = await asyncio.to_thread(manager.describe, MONITORS, name)
            record = await asyncio.to_thread(manager.repo.get, "monitors", name)
        except NotFound as exc:
            raise HTTPException(404, str(exc)) from None
        if row["source"] != "api":
            raise HTTPException(409, f"{name!r} is defined in warden.yaml: edit it in the file")
        model = next((m for m in web.app.config.monitors if m.name == name), None)
        return form_page(request, _form_values(record.body, model), name)

    @guard(Role.OPERATOR, page=True)
    async def save(request: Request) -> Response:
        form = await request.form()
        editing = request.path_params.get("name")
        body, issues = _form_body(form)
        values = {k: str(form.get(k, "")) for k in (*COMMON, "type", "settings")}
        if issues:
            return form_page(request, values, editing, issues, 422)
        if editing is not None:  # keep what the form does not show (labels, retries, ...)
            try:
                old = await asyncio.to_thread(manager.repo.get, "monitors", editing)
            except NotFound as exc:
                raise HTTPException(404, str(exc)) from None
            kept = {k: v for k, v in old.body.items() if k not in COMMON and k != values["type"]}
            kept = {k: v for k, v in kept.items() if k not in _types()}
            body = {**kept, **body}
        try:
            if editing is None:
                row = await manager.create(MONITORS, body, who(request))
            else:
                row = await manager.replace(MONITORS, editing, body, who(request))
        except Invalid as exc:
            return form_page(request, values, editing, exc.issues, 422)
        except Conflict as exc:
            return form_page(request, values, editing, [("name", str(exc))], 409)
        except NotFound as exc:
            raise HTTPException(404, str(exc)) from None
        return RedirectResponse(f"/monitors/{quote(row['name'], safe='')}", status_code=303)

    @guard(Role.OPERATOR, page=True)
    async def act(request: Request) -> Response:
        name = request.path_params["name"]
        action = request.path_params["action"]
        try:
            if action == "delete":
                await manager.delete(MONITORS, name, who(request))
            elif action in {"pause", "resume"}:
                await manager.pause(name, action == "pause", who(request))
            else:
                raise HTTPException(404, f"no action {action!r}")
        except NotFound as exc:
            raise HTTPException(404, str(exc)) from None
        except Conflict as exc:
            raise HTTPException(409, str(exc)) from None
        return RedirectResponse("/manage/monitors", status_code=303)

    return [
        Route("/manage/monitors", listing),
        Route("/manage/monitors/new", new),
        Route("/manage/monitors/new", save, methods=["POST"]),
        Route("/manage/monitors/{name}/edit", edit),
        Route("/manage/monitors/{name}/edit", save, methods=["POST"]),
        Route("/manage/monitors/{name}/{action}", act, methods=["POST"]),
    ]
