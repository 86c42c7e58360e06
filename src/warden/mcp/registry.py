"""The tool table: each tool's function, the role it needs and whether it changes anything.

Tool modules declare tools with ``Tools.read`` (viewer role, read-only) and ``Tools.write``
(operator role by default). ``server.py`` registers them with the SDK and enforces the role
of the caller: a tool the caller's role does not allow is neither listed nor callable.
Errors a caller can act on (unknown names, bad ranges, refused inputs) are raised as
``ToolError``; the SDK answers them as ``isError`` results with the message.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from mcp.server.mcpserver.exceptions import ToolError

from warden.errors import ConfigError, WardenError
from warden.web.users import Role

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class ToolSpec:
    fn: Callable[..., Awaitable[Any]]
    name: str
    role: Role
    read_only: bool
    destructive: bool = False


@dataclass
class Tools:
    specs: list[ToolSpec] = field(default_factory=list)

    def read(self, fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        """A read-only tool any viewer may call."""
        wrapped = _friendly(fn)
        self.specs.append(ToolSpec(wrapped, fn.__name__, Role.VIEWER, True))
        return wrapped

    def write(
        self, role: Role = Role.OPERATOR, *, destructive: bool = False
    ) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
        """A tool that changes something (or runs load, audits, backups): operator and up."""

        def wrap(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
            wrapped = _friendly(fn)
            self.specs.append(ToolSpec(wrapped, fn.__name__, role, False, destructive))
            return wrapped

        return wrap

    def allowed(self, role: Role) -> set[str]:
        return {s.name for s in self.specs if role >= s.role}

    def role_of(self, name: str) -> Role | None:
        return next((s.role for s in self.specs if s.name == name), None)


def _friendly(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Warden's input errors become ToolErrors with their message (no traceback, no 500)."""

    @functools.wraps(fn)
    async def call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await fn(*args, **kwargs)
        except ToolError:
            raise
        except ConfigError as exc:
            raise ToolError("; ".join(str(i) for i in exc.issues)) from None
        except (ValueError, KeyError, LookupError, WardenError) as exc:
            text = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
            raise ToolError(str(text)) from None

    return call
