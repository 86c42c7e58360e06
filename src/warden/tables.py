"""Every table Warden keeps, gathered above the layers: the store's own and each feature's.

The store (``warden.store``) declares only its own tables and imports no feature. A feature
that keeps data declares its tables on the store's ``metadata`` in a module of its own::

    from warden.store.schema import metadata

    runs = Table("backup_runs", metadata, Column(...), ...)

and lists that module in the imports below, once. ``open_store`` is how everything above the
store opens it (``warden up``, the CLI commands, the web app's tests, benchmarks): the imports
have run by then, so ``SqlStore.open`` creates every registered table that is missing. A test
(tests/store/test_layers.py) fails when a module declares tables on ``metadata`` and is not
listed here.
"""

from __future__ import annotations

from warden.agents import tables as _agents
from warden.alerting import tables as _alerting
from warden.audit import history as _audits
from warden.backup import storage as _backup
from warden.capacity import scaling_store as _scaling
from warden.deploys import markers as _deploys
from warden.gameday import storage as _gameday
from warden.incidents import actions as _actions
from warden.loadtest import storage as _loadtest
from warden.managed import storage as _managed
from warden.store.sql import SqlStore
from warden.web import users as _users

FEATURE_TABLES = (
    _actions,
    _agents,
    _alerting,
    _audits,
    _backup,
    _deploys,
    _gameday,
    _loadtest,
    _managed,
    _scaling,
    _users,
)
"""The feature modules whose tables ``open_store`` creates (the layering test reads it)."""


def open_store(url: str) -> SqlStore:
    """Open (creating or upgrading) the store at ``url`` with every feature's tables."""
    return SqlStore.open(url)


__all__ = ["FEATURE_TABLES", "open_store"]
