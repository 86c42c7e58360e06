"""``warden up``: run every monitor, collector and job until SIGTERM/SIGINT; SIGHUP reloads."""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from warden.config import WardenConfig

from warden.cli._common import (
    EXIT_INPUT,
    ConfigOption,
    fail,
    find_config,
    handle_errors,
    load,
    stderr,
)


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
    _setup_logging(log_level)
    path = find_config(config)
    cfg = load(path)
    import uvloop

    uvloop.run(_serve(path, cfg, listen, web))


def _setup_logging(level: str) -> None:
    """Rich output on a terminal; plain timestamped lines for journald, files and pipes."""
    import sys

    handler: logging.Handler
    if sys.stderr.isatty():
        from rich.logging import RichHandler

        handler = RichHandler(console=stderr(), show_path=False, rich_tracebacks=False)
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        fail(f"--log-level {level!r} is not one of debug, info, warning, error", EXIT_INPUT)
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    for noisy in ("asyncio", "aiormq", "aio_pika", "uvicorn.error"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))


def with_listen(cfg: WardenConfig, listen: str | None) -> WardenConfig:
    """``cfg`` serving on ``--listen`` when given, so the links in notifications point there."""
    if listen is None:
        return cfg
    return cfg.model_copy(update={"server": cfg.server.model_copy(update={"listen": listen})})


async def _serve(path: Path, cfg: object, listen: str | None, web: bool) -> None:
    from warden.config import WardenConfig, load_config
    from warden.engine import heap
    from warden.engine.app import App
    from warden.engine.wiring import build_jobs, build_services
    from warden.errors import ConfigError
    from warden.tables import open_store
    from warden.web.app import create_web_app
    from warden.web.server import bind, make_server

    assert isinstance(cfg, WardenConfig)
    cfg = with_listen(cfg, listen)
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
                new = with_listen(await asyncio.to_thread(load_config, path), listen)
            except ConfigError as exc:
                issues = "\n".join(str(i) for i in exc.issues)
                log.error("reload refused, keeping the running config:\n%s", issues)
                return
            await app.reload(new)
            heap.settle()
            text = (
                f"config reloaded: {len(new.monitors)} monitors, {len(new.collectors)} collectors"
            )
            log.info("%s", text)
            await asyncio.to_thread(_mark_reload, store, text)

        task = loop.create_task(do())
        pending.add(task)
        task.add_done_callback(pending.discard)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, app.stop)
    loop.add_signal_handler(signal.SIGHUP, reload)

    server, sock = None, None
    address = listen or cfg.server.listen
    if web:
        try:
            sock = bind(address)
        except (OSError, ValueError) as exc:
            await asyncio.to_thread(store.close)
            fail(str(exc), EXIT_INPUT)
        asgi = create_web_app(app)
        server = make_server(asgi)
        token = await asyncio.to_thread(asgi.state.setup_link.issue)
        if token is not None:
            base = (cfg.server.external_url or f"http://{address}").rstrip("/")
            log.warning(
                "no users yet: create the first admin at %s/setup/%s "
                "(one use; or run `warden user add NAME --role admin`)",
                base,
                token,
            )
    await app.start()
    heap.settle()
    log.info(
        "warden up: %d monitors, %d collectors, store %s%s",
        len(cfg.monitors),
        len(cfg.collectors),
        cfg.store.url.display(),
        f", web on http://{address}" if web else "",
    )
    server_task = asyncio.create_task(server.serve(sockets=[sock])) if server and sock else None
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


def _mark_reload(store: Any, text: str) -> None:
    """A ``config_reload`` marker (charts, ``warden diagnose``); a failure is only logged."""
    import time

    from warden.deploys.markers import mark
    from warden.errors import StoreError

    try:
        mark(store.engine, "warden", "", time.time(), author="warden up", message=text,
             kind="config_reload")  # fmt: skip
    except StoreError as exc:
        logging.getLogger("warden").warning("config reload not marked: %s", exc)
