"""Serving the web app inside Warden's own event loop (uvicorn, signals left to the App)."""

from __future__ import annotations

import contextlib
from collections.abc import Generator

import uvicorn
from starlette.types import ASGIApp


class EmbeddedServer(uvicorn.Server):
    """A uvicorn server that does not install signal handlers: ``warden up`` owns them."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def make_server(asgi: ASGIApp, listen: str) -> EmbeddedServer:
    host, _, port = listen.rpartition(":")
    config = uvicorn.Config(
        asgi,
        host=host.strip("[]") or "127.0.0.1",
        port=int(port),
        log_level="warning",
        lifespan="off",
        access_log=False,
    )
    return EmbeddedServer(config)
