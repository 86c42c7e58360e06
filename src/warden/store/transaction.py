"""One transaction for a feature's own tables: ``in_transaction(engine, what, fn)`` runs
``fn(conn)`` in it and turns a driver error into a ``StoreError`` that says what failed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from warden.errors import StoreError

T = TypeVar("T")


def in_transaction(engine: Engine, what: str, fn: Callable[[Connection], T]) -> T:
    try:
        with engine.begin() as conn:
            return fn(conn)
    except SQLAlchemyError as exc:
        raise StoreError(f"{what} failed: {exc.__class__.__name__}: {exc}") from exc
