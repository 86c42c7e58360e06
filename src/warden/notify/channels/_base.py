"""What a notification channel is: a type string and ``send(payload) -> Delivery``.

A channel never raises for a receiver that is down: it returns a ``Delivery`` saying whether
it worked, why not, and whether trying again can help. Error texts must not hold secrets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from warden.plugins import Registry


@dataclass(frozen=True, slots=True)
class Delivery:
    ok: bool
    error: str = ""
    retryable: bool = True


class Channel(Protocol):
    type: ClassVar[str]

    def describe(self) -> str:
        """Where it sends, with secrets redacted (for logs and the delivery log)."""

    async def send(self, payload: Mapping[str, Any], dedup_key: str) -> Delivery: ...


class ChannelClass(Protocol):
    type: str

    def __call__(self, target: Any) -> Channel: ...


REGISTRY: Registry[Any] = Registry("notification channel")
