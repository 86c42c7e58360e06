"""Who calls a tool: set by the server's role gate for the length of one request."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass

from warden.web.users import Role


@dataclass(frozen=True)
class Caller:
    """Who calls: the token's user and role over HTTP, the local user over stdio."""

    user: str
    role: Role


CALLER: contextvars.ContextVar[Caller | None] = contextvars.ContextVar("mcp_caller", default=None)


def caller_name() -> str:
    """The name recorded as author of what a tool writes (silences, incident notes)."""
    who = CALLER.get()
    return f"{who.user} (mcp)" if who is not None else "mcp"
