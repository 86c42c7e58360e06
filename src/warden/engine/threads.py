"""Blocking store calls from tasks that get cancelled: the thread is waited for, not abandoned.

``asyncio.to_thread`` returns at once when its task is cancelled while the thread goes on
holding a database connection; if the store is closed meanwhile, that connection is never
given back. ``in_thread`` lets the call finish (they are short) before the cancel goes on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


async def in_thread(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run ``fn`` in a worker thread; a cancel waits for it to return, then propagates."""
    task = asyncio.ensure_future(asyncio.to_thread(fn, *args, **kwargs))
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait([task])
        raise
