"""``warden up``: run every monitor, collector and job until SIGTERM/SIGINT; SIGHUP reloads."""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path
from typing import Annotated

import typer

from warden.cli._common import ConfigOption, config_path, handle_errors, load, stderr


@handle_errors
def up(
    config: ConfigOption = None,
    listen: Annotated[
        str | None, typer.Option(help="host:port for the web UI, API and /ping (overrides config).")
    ] = None,
    web: Annotated[bool, typer.Option("--web/--no-web", help="Serve the web endpoints.")] = True,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
) -> None:
    """Run Warden: monitors, collectors and scheduled jobs, with the web UI and API."""
    from rich.logging import RichHandler

    logging.basicConfig(
        level=log_level.upper(),
        format="%(message)s",
        handlers=[RichHandler(console=stderr(), show_path=False, rich_tracebacks=False)],
    )
    path = config_path(config)
    cfg = load(path)
    import uvloop

    uvloop.run(_serve(path, cfg, listen, web))


async def _serve(path: Path, cfg: object, listen: str | None, web: bool) -> None:
    from warden.config import WardenConfig, load_config
    from warden.engine.app import App
    from warden.engine.wiring import build_jobs, build_services
    from warden.errors import ConfigError
    from warden.store import open_store
    from warden.web.app import create_web_app
    from warden.web.server import make_server

    assert isinstance(cfg, WardenConfig)
    log = logging.getLogger("warden")
    store = await asyncio.to_thread(open_store, cfg.store.url.get_secret_value())
    app = App(
        cfg,
        store,
        services=build_services(cfg, store),
        jobs=build_jobs(cfg, store),
    )
    loop = asyncio.get_running_loop()
    pending: set[asyncio.Task[None]] = set()

    def reload() -> None:
        async def do() -> None:
            try:
                new = await asyncio.to_thread(load_config, path)
            except ConfigError as exc:
                log.error("reload refused, keeping the running config:\n%s", exc)
                return
            await app.reload(new)
            log.info(
                "config reloaded: %d monitors, %d collectors",
                len(new.monitors),
                len(new.collectors),
            )

        task = loop.create_task(do())
        pending.add(task)
        task.add_done_callback(pending.discard)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, app.stop)
    loop.add_signal_handler(signal.SIGHUP, reload)

    server = None
    address = listen or cfg.server.listen
    if web:
        server = make_server(create_web_app(app), address)
    await app.start()
    log.info(
        "warden up: %d monitors, %d collectors, store %s%s",
        len(cfg.monitors),
        len(cfg.collectors),
        cfg.store.url.display(),
        f", web on http://{address}" if web else "",
    )
    server_task = asyncio.create_task(server.serve()) if server else None
    try:
        await app.wait_stopped()
    finally:
        log.info("shutting down")
        if server is not None and server_task is not None:
            server.should_exit = True
            await asyncio.wait({server_task}, timeout=5)
        await app.shutdown()
        await asyncio.to_thread(store.close)
        log.info("stopped; %d results stored", app.stats.stored_results)
