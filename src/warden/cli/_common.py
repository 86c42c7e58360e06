"""What every command shares: the --config option, consoles, exit codes and error handling.

Exit codes (stable, documented in docs/cli.md):
    0  success
    1  the command ran and found a problem (a check is down, a threshold or audit failed)
    2  bad input: invalid config file, bad option value, unknown name
    3  the store cannot be opened, read or written
    4  Warden itself failed (a bug or an unexpected environment)
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console

from warden.errors import ConfigError, StoreError, WardenError

EXIT_OK, EXIT_PROBLEM, EXIT_INPUT, EXIT_STORE, EXIT_INTERNAL = 0, 1, 2, 3, 4

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Config file (default: $WARDEN_CONFIG, else the first of ./warden.yaml, "
        "./warden.yml, ~/.config/warden/warden.yaml, /etc/warden/warden.yaml).",
        show_default=False,
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON (stable shape) instead of a table.")
]


def config_path(path: Path | None) -> Path:
    """The config file the search rule picks (``--config``, $WARDEN_CONFIG, then the search
    order), existing or not; ``load`` and ``find_config`` refuse a missing one."""
    from warden.config._find import candidate_config

    return candidate_config(path)


def find_config(path: Path | None) -> Path:
    """Like ``config_path`` but a ConfigError listing the places tried when there is none."""
    from warden.config import find_config as find

    return find(path)


def stdout() -> Console:
    return Console(highlight=False, soft_wrap=False)


def stderr() -> Console:
    return Console(stderr=True, highlight=False)


def fail(message: str, code: int = EXIT_INPUT) -> NoReturn:
    stderr().print(f"[bold red]error:[/] {message}", markup=True, highlight=False)
    raise typer.Exit(code)


P = ParamSpec("P")
R = TypeVar("R")


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn Warden's errors into ``error: ...`` on stderr and the documented exit code."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            err = stderr()
            for issue in exc.issues:
                err.print(f"[red]error:[/] {issue}", markup=True, highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_INPUT) from None
        except StoreError as exc:
            fail(f"store: {exc}", EXIT_STORE)
        except WardenError as exc:
            fail(str(exc), EXIT_INTERNAL)

    return wrapper


def load(path: Path | None) -> Any:
    """Load and validate the config (ConfigError propagates to ``handle_errors``)."""
    from warden.config import load_config

    return load_config(find_config(path))


def write_json(kind: str, payload: dict[str, Any]) -> None:
    from warden.report.jsonout import dumps

    sys.stdout.write(dumps(kind, payload) + "\n")


def emit_report(
    kind: str,
    data: dict[str, Any],
    renderer: Callable[[dict[str, Any]], str],
    fmt: str,
    output: Path | None,
    json_out: bool,
) -> None:
    """JSON, or the rendering written to ``output``, or shown (Markdown through Rich)."""
    if json_out:
        write_json(kind, data)
        return
    text = renderer(data)
    if output is not None:
        output.write_text(text, encoding="utf-8")
        stdout().print(f"written to {output}")
    elif fmt == "text":
        from rich.markdown import Markdown

        stdout().print(Markdown(text))
    else:
        stdout().print(text, markup=False, highlight=False, end="")
