"""POST a JSON body with the standard library (in a thread), mapped to a ``Delivery``.

4xx answers other than 408 and 429 are not retried: the receiver refuses the payload itself.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from warden.notify.channels._base import Delivery


def where(url: str) -> str:
    """Scheme, host and port only: webhook paths often carry tokens (``/services/T0/B0/XyZ``)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return f"{parts.scheme}://{host}/***" if parts.path.strip("/") else f"{parts.scheme}://{host}"


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Delivery:
    if not url.startswith(("http://", "https://")):
        return Delivery(False, "the URL must start with http:// or https://", retryable=False)
    req = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 - checked above
    req.add_header("Content-Type", "application/json")
    req.add_header("User-Agent", "warden")
    for k, v in headers.items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - configured URL
            resp.read()
            return Delivery(True)
    except urllib.error.HTTPError as exc:
        retry = exc.code >= 500 or exc.code in (408, 429)
        return Delivery(False, f"HTTP {exc.code} {exc.reason}", retryable=retry)
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Delivery(False, f"{type(reason).__name__}: {reason}".rstrip(": "))


async def post_json(
    url: str, body: Any, *, timeout: float, headers: dict[str, str] | None = None
) -> Delivery:
    data = json.dumps(body).encode()
    return await asyncio.to_thread(_post, url, data, headers or {}, timeout)
