"""SVG badges for a monitor's state and uptime (``/badge/<monitor>/status.svg``, ``uptime.svg``).

Flat two-part badges in the usual shields style, drawn as plain SVG text (no charts here).
They are public unless ``web.public_badges`` is false, and show nothing but state or ratio.
Public badges exist only for monitors published on a status page: any other name, existing or
not, gets the same 404, so a badge URL cannot probe which monitors there are. With
``public_badges: false`` a logged-in user or token gets a badge for every monitor.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from warden.web import views
from warden.web.auth import Endpoint
from warden.web.context import Web
from warden.web.users import Role

COLORS = {
    "up": "#2e9e44",
    "degraded": "#d89614",
    "down": "#d0342c",
    "unknown": "#8a8f98",
}
_CHAR_WIDTH = 6.6


def badge_svg(label: str, value: str, color: str) -> str:
    """A flat badge ``label | value`` with the value on ``color``."""
    lw = int(len(label) * _CHAR_WIDTH + 12)
    vw = int(len(value) * _CHAR_WIDTH + 12)
    w = lw + vw
    lab, val = escape(label), escape(value)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="20" role="img" '
        f'aria-label="{lab}: {val}"><title>{lab}: {val}</title>'
        f'<rect width="{lw}" height="20" fill="#555"/>'
        f'<rect x="{lw}" width="{vw}" height="20" fill="{color}"/>'
        f'<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11" '
        f'text-anchor="middle"><text x="{lw / 2}" y="14">{lab}</text>'
        f'<text x="{lw + vw / 2}" y="14">{val}</text></g></svg>'
    )


def uptime_color(ratio: float | None) -> str:
    if ratio is None:
        return COLORS["unknown"]
    if ratio >= 0.999:
        return COLORS["up"]
    return COLORS["degraded"] if ratio >= 0.99 else COLORS["down"]


def badge_routes(web: Web) -> list[BaseRoute]:
    def svg(body: str) -> Response:
        return Response(
            body,
            media_type="image/svg+xml",
            headers={"Cache-Control": "max-age=60, must-revalidate"},
        )

    public = web.app.config.web.public_badges

    def monitor_name(request: Request) -> str:
        name = str(request.path_params["name"])
        cfg = web.app.config
        if public:
            known = any(name in c.monitors for p in cfg.status_pages for c in p.components)
        else:
            known = any(m.name == name for m in cfg.monitors)
        if not known:  # one answer for unknown and unpublished names
            raise HTTPException(404, "no such badge")
        return name

    async def status(request: Request) -> Response:
        name = monitor_name(request)
        state = views.state_name(web.app.tracker.get(name))
        return svg(badge_svg(request.query_params.get("label", name)[:60], state, COLORS[state]))

    async def uptime(request: Request) -> Response:
        name = monitor_name(request)
        window = request.query_params.get("window", "30d")
        if window not in views.WINDOWS:
            raise HTTPException(400, "window must be one of 24h, 7d, 30d")
        ids = await web.monitor_ids([name])
        ratio = None
        if name in ids:
            ratio = (await views.window_ratios(web, [ids[name]]))[ids[name]][window]
        text = "no data" if ratio is None else f"{ratio * 100:.2f}%"
        label = request.query_params.get("label", f"uptime {window}")[:60]
        return svg(badge_svg(label, text, uptime_color(ratio)))

    handlers: list[Endpoint] = [status, uptime]
    if not public:
        handlers = [web.auth.guard(Role.VIEWER)(h) for h in handlers]
    return [
        Route("/badge/{name}/status.svg", handlers[0]),
        Route("/badge/{name}/uptime.svg", handlers[1]),
    ]
