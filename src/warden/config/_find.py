"""Which config file a command reads: one rule for every command.

``--config FILE`` if given, else ``$WARDEN_CONFIG``, else the first file that exists in
``SEARCH_ORDER``: ``./warden.yaml``, ``./warden.yml``, ``$XDG_CONFIG_HOME/warden/warden.yaml``
(``~/.config/warden/warden.yaml``) and ``/etc/warden/warden.yaml``. When none exists the error
lists every place that was tried.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from warden.errors import ConfigError, ConfigIssue

ENV_VAR = "WARDEN_CONFIG"


def search_order(env: Mapping[str, str] | None = None) -> list[Path]:
    """The places looked at, in order, when neither ``--config`` nor $WARDEN_CONFIG is set."""
    env = os.environ if env is None else env
    xdg = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".config")
    return [
        Path("warden.yaml"),
        Path("warden.yml"),
        Path(xdg) / "warden" / "warden.yaml",
        Path("/etc/warden/warden.yaml"),
    ]


def candidate_config(explicit: str | Path | None, env: Mapping[str, str] | None = None) -> Path:
    """The file the rule picks, existing or not (the first of the search order if none is)."""
    env = os.environ if env is None else env
    if explicit is not None:
        return Path(explicit)
    if env.get(ENV_VAR):
        return Path(env[ENV_VAR])
    places = search_order(env)
    return next((p for p in places if p.is_file()), places[0])


def find_config(explicit: str | Path | None, env: Mapping[str, str] | None = None) -> Path:
    """The config file to read; ConfigError naming where it looked when there is none."""
    env = os.environ if env is None else env
    path = candidate_config(explicit, env)
    if path.is_file():
        return path
    if explicit is not None:
        why = "file not found (given with --config)"
    elif env.get(ENV_VAR):
        why = f"file not found (named by ${ENV_VAR})"
    else:
        tried = ", ".join(p.as_posix() if p.is_absolute() else f"./{p}" for p in search_order(env))
        why = (
            f"no config file found; looked in {tried}. Give --config FILE or set ${ENV_VAR} "
            "(`make up` uses examples/warden.yaml: export WARDEN_CONFIG=examples/warden.yaml)"
        )
        return _raise(why)
    return _raise(why, str(path))


def _raise(message: str, file: str = "config") -> Path:
    raise ConfigError([ConfigIssue(file, None, "", message)])
